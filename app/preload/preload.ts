/**
 * Sandboxed Electron preload: exposes `window.storecastHost`, one function per host method, each invoking the
 * IPC channel `host:<method>`. Nothing else of Electron or Node reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { OUTPUT_STREAM_CHANNEL } from '../../shared/protocol/host';
import { MEDIA_IMPORT_CHANNEL } from '../../shared/protocol/media-library';
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
  displayListSources: (req) => invoke<'displayListSources'>('display.listSources', req),
  displaySelect: (req) => invoke<'displaySelect'>('display.select', req),
  outputGetState: () => invoke<'outputGetState'>('output.getState', {}),
  outputBegin: (req) => invoke<'outputBegin'>('output.begin', req),
  outputEnd: (req) => invoke<'outputEnd'>('output.end', req),
  outputStartRecording: (req) => invoke<'outputStartRecording'>('output.startRecording', req),
  outputStopRecording: () => invoke<'outputStopRecording'>('output.stopRecording', {}),
  outputStartRestream: (req) => invoke<'outputStartRestream'>('output.startRestream', req),
  outputStopRestream: () => invoke<'outputStopRestream'>('output.stopRestream', {}),
  outputSaveTarget: (req) => invoke<'outputSaveTarget'>('output.saveTarget', req),
  outputRemoveTarget: (req) => invoke<'outputRemoveTarget'>('output.removeTarget', req),
  outputOpenFolder: () => invoke<'outputOpenFolder'>('output.openFolder', {}),
  scenesLoad: () => invoke<'scenesLoad'>('scenes.load', {}),
  scenesSave: (req) => invoke<'scenesSave'>('scenes.save', req),
  scenesImport: (req) => invoke<'scenesImport'>('scenes.import', req),
  scenesExport: () => invoke<'scenesExport'>('scenes.export', {}),
  staffSetupState: () => invoke<'staffSetupState'>('staff.setupState', {}),
  staffClaimOwner: (req) => invoke<'staffClaimOwner'>('staff.claimOwner', req),
  outputChunk: (header, bytes) => ipcRenderer.invoke(OUTPUT_STREAM_CHANNEL, header, bytes) as Promise<HostReply>,
  mediaImport: (name, bytes) => ipcRenderer.invoke(MEDIA_IMPORT_CHANNEL, name, bytes) as Promise<HostReply>,
};

contextBridge.exposeInMainWorld('storecastHost', api);
