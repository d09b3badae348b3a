/**
 * Host bridge: how the studio renderer reaches the main-process services. In Electron through the preload's
 * `window.storecastHost`; in web mode through the web host's WebSocket (token from `?hostToken=`, then kept in
 * sessionStorage and removed from the address bar). Both validate replies against the host contract.
 */
import {
  encodeOutputFrame,
  HOST_TOKEN_PARAM,
  HOST_WS_PATH,
  type HostMethod,
  type HostMethods,
  hostMethods,
  hostNotifications,
  OutputChunkAck,
  type OutputChunkHeader,
} from '../../shared/protocol/host';
import {
  MEDIA_HTTP_PATH,
  MEDIA_IMPORT_MAX_BYTES,
  MEDIA_TOKEN_HEADER,
  MediaImportResult,
  type MediaLibraryFile,
} from '../../shared/protocol/media-library';
import { ErrorCode, type ReqOf, type ResOf, RpcClient, RpcError, RpcErrorBody } from '../../shared/protocol/rpc';
import type { HostReply, StorecastHostApi } from '../preload/api';

export interface HostBridge {
  readonly mode: 'electron' | 'web';
  call<K extends HostMethod>(method: K, req: ReqOf<HostMethods, K>): Promise<ResOf<HostMethods, K>>;
  /**
   * Program-stream channel: send one MediaRecorder chunk (in order) and resolve with main's acknowledgement.
   * Rejects with DISCONNECTED when the host cannot be reached.
   */
  sendOutputChunk(header: OutputChunkHeader, bytes: Uint8Array): Promise<OutputChunkAck>;
  /**
   * Copy a picked file into the host's media library (shared/protocol/media-library.ts); `onProgress` gets the
   * uploaded fraction. Rejects with an RpcError (BAD_REQUEST: not a media file, TOO_LARGE, DISCONNECTED…).
   */
  importMedia(file: File, onProgress?: (fraction: number) => void): Promise<MediaImportResult>;
  /** Same-origin URL of a library file (the page may draw it without tainting the program canvas). */
  mediaUrl(file: MediaLibraryFile): string;
  close(): void;
}

function tooLarge(file: File): RpcError | null {
  return file.size > MEDIA_IMPORT_MAX_BYTES
    ? new RpcError('TOO_LARGE', `${file.name}: larger than ${Math.round(MEDIA_IMPORT_MAX_BYTES / 1024 / 1024)} MB`)
    : null;
}

/** An IPC reply's data (still untrusted), or its error as an RpcError. */
function replyData(reply: HostReply): unknown {
  if (reply.ok) return reply.data;
  const code = ErrorCode.safeParse(reply.error.code);
  throw new RpcError(code.success ? code.data : 'INTERNAL', reply.error.message);
}

function parseImport(data: unknown): MediaImportResult {
  const parsed = MediaImportResult.safeParse(data);
  if (!parsed.success) throw new RpcError('BAD_REQUEST', 'malformed media import reply from host');
  return parsed.data;
}

declare global {
  interface Window {
    storecastHost?: StorecastHostApi;
  }
}

/** Close code the web host uses for a missing / wrong token. */
const HOST_WS_UNAUTHORIZED = 4401;
const TOKEN_KEY = 'storecast.hostToken';

class ElectronHostBridge implements HostBridge {
  readonly mode = 'electron' as const;
  constructor(private readonly api: StorecastHostApi) {}

  private invoke(method: HostMethod, req: unknown): Promise<HostReply> {
    switch (method) {
      case 'host.getInfo':
        return this.api.getInfo();
      case 'host.getConnection':
        return this.api.getConnection();
      case 'host.getSettings':
        return this.api.getSettings();
      case 'host.saveSettings':
        return this.api.saveSettings(req as ReqOf<HostMethods, 'host.saveSettings'>);
      case 'host.openExternal':
        return this.api.openExternal(req as ReqOf<HostMethods, 'host.openExternal'>);
      case 'display.listSources':
        return this.api.displayListSources(req as ReqOf<HostMethods, 'display.listSources'>);
      case 'display.select':
        return this.api.displaySelect(req as ReqOf<HostMethods, 'display.select'>);
      case 'output.getState':
        return this.api.outputGetState();
      case 'output.begin':
        return this.api.outputBegin(req as ReqOf<HostMethods, 'output.begin'>);
      case 'output.end':
        return this.api.outputEnd(req as ReqOf<HostMethods, 'output.end'>);
      case 'output.startRecording':
        return this.api.outputStartRecording(req as ReqOf<HostMethods, 'output.startRecording'>);
      case 'output.stopRecording':
        return this.api.outputStopRecording();
      case 'output.startRestream':
        return this.api.outputStartRestream(req as ReqOf<HostMethods, 'output.startRestream'>);
      case 'output.stopRestream':
        return this.api.outputStopRestream();
      case 'output.saveTarget':
        return this.api.outputSaveTarget(req as ReqOf<HostMethods, 'output.saveTarget'>);
      case 'output.removeTarget':
        return this.api.outputRemoveTarget(req as ReqOf<HostMethods, 'output.removeTarget'>);
      case 'output.openFolder':
        return this.api.outputOpenFolder();
      case 'scenes.load':
        return this.api.scenesLoad();
      case 'scenes.save':
        return this.api.scenesSave(req as ReqOf<HostMethods, 'scenes.save'>);
      case 'scenes.import':
        return this.api.scenesImport(req as ReqOf<HostMethods, 'scenes.import'>);
      case 'scenes.export':
        return this.api.scenesExport();
      case 'staff.setupState':
        return this.api.staffSetupState();
      case 'staff.claimOwner':
        return this.api.staffClaimOwner(req as ReqOf<HostMethods, 'staff.claimOwner'>);
    }
  }

  async sendOutputChunk(header: OutputChunkHeader, bytes: Uint8Array): Promise<OutputChunkAck> {
    const parsed = OutputChunkAck.safeParse(replyData(await this.api.outputChunk(header, bytes)));
    if (!parsed.success) throw new RpcError('BAD_REQUEST', 'malformed chunk acknowledgement from host');
    return parsed.data;
  }

  async call<K extends HostMethod>(method: K, req: ReqOf<HostMethods, K>): Promise<ResOf<HostMethods, K>> {
    const parsed = hostMethods[method].res.safeParse(replyData(await this.invoke(method, req)));
    if (!parsed.success) throw new RpcError('BAD_REQUEST', `${method}: malformed reply from host`);
    return parsed.data as ResOf<HostMethods, K>;
  }

  async importMedia(file: File, onProgress?: (fraction: number) => void): Promise<MediaImportResult> {
    const big = tooLarge(file);
    if (big) throw big;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const data = replyData(await this.api.mediaImport(file.name, bytes));
    onProgress?.(1);
    return parseImport(data);
  }

  mediaUrl(file: MediaLibraryFile): string {
    return `${MEDIA_HTTP_PATH}/${encodeURIComponent(file)}`;
  }

  close(): void {}
}

class WebSocketHostBridge implements HostBridge {
  readonly mode = 'web' as const;
  private readonly client = new RpcClient(hostMethods, hostNotifications, 10_000);
  private socket: WebSocket | null = null;
  private connecting: Promise<void> | null = null;
  private lastCloseCode = 0;
  private closed = false;
  /** Chunks sent and not yet acknowledged, by seq (acks arrive in order on the same socket). */
  private readonly acks = new Map<number, { resolve: (a: OutputChunkAck) => void; reject: (e: unknown) => void }>();

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {
    this.client.on('output.chunkAck', (ack) => {
      const p = this.acks.get(ack.seq);
      if (!p) return;
      this.acks.delete(ack.seq);
      p.resolve(ack);
    });
  }

  async sendOutputChunk(header: OutputChunkHeader, bytes: Uint8Array): Promise<OutputChunkAck> {
    if (this.closed) throw new RpcError('DISCONNECTED', 'host bridge closed');
    await this.connect();
    const socket = this.socket;
    if (!socket) throw new RpcError('DISCONNECTED', 'cannot reach the studio host');
    return new Promise<OutputChunkAck>((resolve, reject) => {
      this.acks.get(header.seq)?.reject(new RpcError('CONFLICT', 'chunk sequence reused'));
      this.acks.set(header.seq, { resolve, reject });
      try {
        socket.send(encodeOutputFrame(header, bytes));
      } catch (err) {
        this.acks.delete(header.seq);
        reject(new RpcError('DISCONNECTED', `send failed: ${String(err)}`));
      }
    });
  }

  private failAcks(reason: string): void {
    for (const p of this.acks.values()) p.reject(new RpcError('DISCONNECTED', reason));
    this.acks.clear();
  }

  private connect(): Promise<void> {
    if (this.socket && this.client.connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.url);
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.socket = ws;
        this.client.attach(ws);
        resolve();
      };
      ws.onmessage = (ev) => {
        if (typeof ev.data === 'string') this.client.handleMessage(ev.data);
      };
      ws.onclose = (ev) => {
        this.lastCloseCode = ev.code;
        this.socket = null;
        this.client.detach(ev.code === HOST_WS_UNAUTHORIZED ? 'host rejected the token' : `host connection closed (${ev.code})`);
        this.failAcks(`host connection closed (${ev.code})`);
        if (!opened) reject(this.closeError(ev.code));
      };
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private closeError(code: number): RpcError {
    return code === HOST_WS_UNAUTHORIZED
      ? new RpcError('UNAUTHORIZED', 'the studio host rejected this page (open the studio with the URL the host printed)')
      : new RpcError('DISCONNECTED', 'cannot reach the studio host');
  }

  async call<K extends HostMethod>(method: K, req: ReqOf<HostMethods, K>): Promise<ResOf<HostMethods, K>> {
    if (this.closed) throw new RpcError('DISCONNECTED', 'host bridge closed');
    await this.connect();
    try {
      return await this.client.request(method, req);
    } catch (err) {
      // The web host accepts the upgrade and then closes with 4401 on a bad token: surface that as UNAUTHORIZED.
      if (err instanceof RpcError && err.code === 'DISCONNECTED' && this.lastCloseCode === HOST_WS_UNAUTHORIZED)
        throw this.closeError(4401);
      throw err;
    }
  }

  importMedia(file: File, onProgress?: (fraction: number) => void): Promise<MediaImportResult> {
    const big = tooLarge(file);
    if (big) return Promise.reject(big);
    // XMLHttpRequest rather than fetch: it reports upload progress.
    return new Promise<MediaImportResult>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', `${MEDIA_HTTP_PATH}/${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader(MEDIA_TOKEN_HEADER, this.token);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.responseType = 'json';
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable && ev.total > 0) onProgress?.(ev.loaded / ev.total);
      };
      xhr.onerror = () => reject(new RpcError('DISCONNECTED', 'cannot reach the studio host'));
      xhr.onload = () => {
        if (xhr.status === 200) {
          try {
            resolve(parseImport(xhr.response));
          } catch (err) {
            reject(err);
          }
          return;
        }
        const body = RpcErrorBody.safeParse((xhr.response as { error?: unknown } | null)?.error);
        reject(
          body.success
            ? new RpcError(body.data.code, body.data.message)
            : new RpcError('INTERNAL', `media import failed (HTTP ${xhr.status})`),
        );
      };
      xhr.send(file);
    });
  }

  mediaUrl(file: MediaLibraryFile): string {
    return `${MEDIA_HTTP_PATH}/${encodeURIComponent(file)}?${HOST_TOKEN_PARAM}=${encodeURIComponent(this.token)}`;
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}

/** Take the host token from the URL (removing it from the address bar) or from this tab's sessionStorage. */
function takeHostToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(HOST_TOKEN_PARAM);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete(HOST_TOKEN_PARAM);
    window.history.replaceState(window.history.state, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function createHostBridge(): HostBridge {
  if (window.storecastHost) return new ElectronHostBridge(window.storecastHost);
  const token = takeHostToken();
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${proto}//${window.location.host}${HOST_WS_PATH}?${HOST_TOKEN_PARAM}=${encodeURIComponent(token ?? '')}`;
  return new WebSocketHostBridge(url, token ?? '');
}
