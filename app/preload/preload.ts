/**
 * Sandboxed Electron preload: exposes `window.storecastHost`, one function per host method, each invoking the
 * IPC channel `host:<method>`. Nothing else of Electron or Node reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { HostApiMethodOf, HostReply, StorecastHostApi } from './api';

function invoke<K extends keyof HostApiMethodOf>(method: HostApiMethodOf[K], payload: unknown): Promise<HostReply> {
  return ipcRenderer.invoke(`host:${method}`, payload) as Promise<HostReply>;
}

const api: StorecastHostApi = {
  getInfo: () => invoke<'getInfo'>('host.getInfo', {}),
  getConnection: () => invoke<'getConnection'>('host.getConnection', {}),
  getSettings: () => invoke<'getSettings'>('host.getSettings', {}),
  saveSettings: (req) => invoke<'saveSettings'>('host.saveSettings', req),
  openExternal: (req) => invoke<'openExternal'>('host.openExternal', req),
};

contextBridge.exposeInMainWorld('storecastHost', api);
