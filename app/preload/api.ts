/**
 * The API the Electron preload exposes to the studio renderer as `window.storecastHost` (types only: the
 * renderer imports this file for typing, the preload implements it). One method per host method; each resolves
 * with a reply envelope, because errors cannot cross contextBridge with their code intact. The renderer
 * validates `data` against the host contract (shared/protocol/host.ts) before use.
 */
import type { HostMethod, HostMethods, OutputChunkHeader } from '../../shared/protocol/host';
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
  displayListSources(req: ReqOf<HostMethods, 'display.listSources'>): Promise<HostReply>;
  displaySelect(req: ReqOf<HostMethods, 'display.select'>): Promise<HostReply>;
  outputGetState(): Promise<HostReply>;
  outputBegin(req: ReqOf<HostMethods, 'output.begin'>): Promise<HostReply>;
  outputEnd(req: ReqOf<HostMethods, 'output.end'>): Promise<HostReply>;
  outputStartRecording(req: ReqOf<HostMethods, 'output.startRecording'>): Promise<HostReply>;
  outputStopRecording(): Promise<HostReply>;
  outputStartRestream(req: ReqOf<HostMethods, 'output.startRestream'>): Promise<HostReply>;
  outputStopRestream(): Promise<HostReply>;
  outputSaveTarget(req: ReqOf<HostMethods, 'output.saveTarget'>): Promise<HostReply>;
  outputRemoveTarget(req: ReqOf<HostMethods, 'output.removeTarget'>): Promise<HostReply>;
  outputOpenFolder(): Promise<HostReply>;
  scenesLoad(): Promise<HostReply>;
  scenesSave(req: ReqOf<HostMethods, 'scenes.save'>): Promise<HostReply>;
  scenesImport(req: ReqOf<HostMethods, 'scenes.import'>): Promise<HostReply>;
  scenesExport(): Promise<HostReply>;
  staffSetupState(): Promise<HostReply>;
  staffClaimOwner(req: ReqOf<HostMethods, 'staff.claimOwner'>): Promise<HostReply>;
  /** Program-stream channel: one MediaRecorder chunk; `data` of the reply is an OutputChunkAck. */
  outputChunk(header: OutputChunkHeader, bytes: Uint8Array): Promise<HostReply>;
  /** Media library: store a picked file; `data` of the reply is a MediaImportResult. */
  mediaImport(name: string, bytes: Uint8Array): Promise<HostReply>;
}

/** Host method behind each API function (checked exhaustively both ways by the preload). */
export type HostApiMethodOf = {
  getInfo: 'host.getInfo';
  getConnection: 'host.getConnection';
  getSettings: 'host.getSettings';
  saveSettings: 'host.saveSettings';
  openExternal: 'host.openExternal';
  displayListSources: 'display.listSources';
  displaySelect: 'display.select';
  outputGetState: 'output.getState';
  outputBegin: 'output.begin';
  outputEnd: 'output.end';
  outputStartRecording: 'output.startRecording';
  outputStopRecording: 'output.stopRecording';
  outputStartRestream: 'output.startRestream';
  outputStopRestream: 'output.stopRestream';
  outputSaveTarget: 'output.saveTarget';
  outputRemoveTarget: 'output.removeTarget';
  outputOpenFolder: 'output.openFolder';
  scenesLoad: 'scenes.load';
  scenesSave: 'scenes.save';
  scenesImport: 'scenes.import';
  scenesExport: 'scenes.export';
  staffSetupState: 'staff.setupState';
  staffClaimOwner: 'staff.claimOwner';
};
type Assert<T extends true> = T;
/** Compile-time check: every host method has an API function (adding a method to the contract fails here). */
export type HostApiIsComplete = Assert<[Exclude<HostMethod, HostApiMethodOf[keyof HostApiMethodOf]>] extends [never] ? true : false>;
