/**
 * The API the Electron preload exposes to the studio renderer as `window.storecastHost` (types only: the
 * renderer imports this file for typing, the preload implements it). One method per host method; each resolves
 * with a reply envelope, because errors cannot cross contextBridge with their code intact. The renderer
 * validates `data` against the host contract (shared/protocol/host.ts) before use.
 */
import type { HostMethod, HostMethods } from '../../shared/protocol/host';
import type { ReqOf } from '../../shared/protocol/rpc';

export interface HostErrorBody {
  code: string;
  message: string;
}

/** What every IPC call resolves with. `data` is untrusted until validated against the method's `res` schema. */
export type HostReply = { ok: true; data: unknown } | { ok: false; error: HostErrorBody };

export interface StorecastHostApi {
  getInfo(): Promise<HostReply>;
  getConnection(): Promise<HostReply>;
  getSettings(): Promise<HostReply>;
  saveSettings(req: ReqOf<HostMethods, 'host.saveSettings'>): Promise<HostReply>;
  openExternal(req: ReqOf<HostMethods, 'host.openExternal'>): Promise<HostReply>;
}

/** Host method behind each API function (checked exhaustively both ways by the preload). */
export type HostApiMethodOf = {
  getInfo: 'host.getInfo';
  getConnection: 'host.getConnection';
  getSettings: 'host.getSettings';
  saveSettings: 'host.saveSettings';
  openExternal: 'host.openExternal';
};
type Assert<T extends true> = T;
/** Compile-time check: every host method has an API function (adding a method to the contract fails here). */
export type HostApiIsComplete = Assert<[Exclude<HostMethod, HostApiMethodOf[keyof HostApiMethodOf]>] extends [never] ? true : false>;
