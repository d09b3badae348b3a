/**
 * Electron main process (bundled to dist/main/main.cjs).
 *  - Serves dist/web through the privileged `app://studio/` scheme (module workers and a stable origin; file:// has none).
 *  - One sandboxed, context-isolated BrowserWindow; navigation and window.open are denied, external links go to the
 *    system browser only through host.openExternal.
 *  - Camera / microphone / display-capture permissions are granted only to our studio page; getDisplayMedia gets the
 *    screen / window the studio selected (display-capture.ts, desktopCapturer).
 *  - Host services over IPC: one `ipcMain.handle('host:<method>')` per host method, checking the sender frame and
 *    validating the payload with the contract's zod schema (via dispatchRequest).
 *  - Starts the local server as a child Node process (native modules stay out of Electron) unless
 *    STORECAST_SERVER_URL is set.
 */
import { readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, type IpcMainInvokeEvent, ipcMain, net, protocol, session, shell } from 'electron';
import type { HostReply } from '../preload/api';
import {
  HOST_CALLER,
  HOST_MAX_MESSAGE_BYTES,
  HOST_METHOD_NAMES,
  type HostMethod,
  hostChannel,
  hostMethods,
  localeFor,
  OUTPUT_STREAM,
  OUTPUT_STREAM_CHANNEL,
  OutputChunkHeader,
} from '../../shared/protocol/host';
import { MEDIA_HTTP_PATH, MEDIA_IMPORT_CHANNEL, MediaImportName } from '../../shared/protocol/media-library';
import { dispatchRequest, RpcError } from '../../shared/protocol/rpc';
import { STUDIO_CSP } from './csp';
import { type LocalServer, startLocalServer } from './local-server';
import { MediaLibrary } from './media-library';
import { ElectronDisplayCapture } from './display-capture';
import { createHostServices, type HostServices } from './services';

const SCHEME = 'app';
const APP_HOST = 'studio';
const APP_ORIGIN = `${SCHEME}://${APP_HOST}`;
const STUDIO_URL = `${APP_ORIGIN}/studio/index.html`;

const distDir = join(__dirname, '..'); // dist/main/main.cjs → dist/
const webDir = join(distDir, 'web');
const preloadPath = join(distDir, 'preload', 'preload.cjs');
const serverEntry = join(distDir, 'server', 'main.mjs');

protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);

let mainWindow: BrowserWindow | null = null;
let localServer: LocalServer | null = null;
let hostServices: HostServices | null = null;
/** Picked media files (userData/studio-media), served at app://studio<MEDIA_HTTP_PATH>/<file>. Set once the app is ready. */
let mediaLibrary: MediaLibrary | null = null;

function isStudioUrl(url: string | undefined | null): boolean {
  return typeof url === 'string' && url.startsWith(`${APP_ORIGIN}/`);
}

/** Map app://studio/<path> to a file inside dist/web; null for anything that escapes it. */
function resolveAppFile(requestUrl: string): string | null {
  const url = new URL(requestUrl);
  if (url.host !== APP_HOST) return null;
  let path = decodeURIComponent(url.pathname);
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(webDir, path));
  return file.startsWith(webDir + sep) ? file : null;
}

function registerAppProtocol(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host === APP_HOST && url.pathname.startsWith(`${MEDIA_HTTP_PATH}/`)) {
      const path = await mediaLibrary?.resolve(decodeURIComponent(url.pathname.slice(MEDIA_HTTP_PATH.length + 1)));
      if (!path) return new Response('not found', { status: 404 });
      // file: fetches answer Range requests, so videos seek
      return net.fetch(pathToFileURL(path).toString(), { headers: request.headers });
    }
    const file = resolveAppFile(request.url);
    if (!file) return new Response('not found', { status: 404 });
    let res: Response;
    try {
      res = await net.fetch(pathToFileURL(file).toString());
    } catch {
      return new Response('not found', { status: 404 });
    }
    if (!res.ok) return res;
    const headers = new Headers(res.headers);
    headers.set('X-Content-Type-Options', 'nosniff');
    if (file.endsWith('.html')) {
      headers.set('Content-Security-Policy', STUDIO_CSP);
      headers.set('Content-Type', 'text/html; charset=utf-8');
    }
    return new Response(res.body, { status: res.status, headers });
  });
}

function registerPermissions(): void {
  const allowed = new Set(['media', 'display-capture', 'clipboard-sanitized-write', 'fullscreen']);
  session.defaultSession.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const fromStudio = webContents === mainWindow?.webContents && isStudioUrl(details.requestingUrl);
    callback(fromStudio && allowed.has(permission));
  });
  session.defaultSession.setPermissionCheckHandler((webContents, permission, requestingOrigin) => {
    const fromStudio = !!webContents && webContents === mainWindow?.webContents && requestingOrigin.startsWith(APP_ORIGIN);
    return fromStudio && allowed.has(permission);
  });
  // Responses of other origins (the server's HTTP API) get no extra rights; only our pages carry the CSP.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (isStudioUrl(details.url) && details.resourceType === 'mainFrame') {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [STUDIO_CSP] } });
    } else {
      callback({});
    }
  });
}

/** IPC from anything but our studio page (another frame, a navigated window) is refused. */
function refuseUnlessStudio(event: IpcMainInvokeEvent): HostReply | null {
  if (event.sender === mainWindow?.webContents && isStudioUrl(event.senderFrame?.url)) return null;
  return { ok: false, error: { code: 'FORBIDDEN', message: 'host API is only available to the studio page' } };
}

function registerIpc(services: HostServices): void {
  for (const method of HOST_METHOD_NAMES) {
    ipcMain.handle(hostChannel(method), async (event: IpcMainInvokeEvent, payload: unknown): Promise<HostReply> => {
      const refused = refuseUnlessStudio(event);
      if (refused) return refused;
      // Same validation path as the web host: envelope + zod schema of the method, typed errors, never throws.
      const text = JSON.stringify({ t: 'req', id: 0, method: method satisfies HostMethod, data: payload ?? {} });
      const reply = await dispatchRequest(
        hostMethods,
        services.handlers,
        text,
        { via: 'ipc' },
        HOST_CALLER,
        (err, m) => console.error(`[host] ${m} failed:`, err),
        HOST_MAX_MESSAGE_BYTES,
      );
      if (reply.t !== 'res') return { ok: false, error: { code: 'INTERNAL', message: 'unexpected reply' } };
      return reply.ok ? { ok: true, data: reply.data } : { ok: false, error: reply.error };
    });
  }
  // Media import: (name, bytes) of a picked file → MediaImportResult.
  ipcMain.handle(MEDIA_IMPORT_CHANNEL, async (event: IpcMainInvokeEvent, name: unknown, bytes: unknown): Promise<HostReply> => {
    const refused = refuseUnlessStudio(event);
    if (refused) return refused;
    const n = MediaImportName.safeParse(name);
    if (!n.success || !(bytes instanceof Uint8Array)) return { ok: false, error: { code: 'BAD_REQUEST', message: 'bad media import' } };
    if (!mediaLibrary) return { ok: false, error: { code: 'BAD_STATE', message: 'media library not ready' } };
    try {
      return { ok: true, data: await mediaLibrary.import(n.data, bytes) };
    } catch (err) {
      if (err instanceof RpcError) return { ok: false, error: { code: err.code, message: err.message } };
      console.error('[host] media import failed:', err);
      return { ok: false, error: { code: 'INTERNAL', message: 'could not store the file' } };
    }
  });
  // Program-stream channel: (header, bytes) per MediaRecorder chunk, answered with an OutputChunkAck.
  ipcMain.handle(OUTPUT_STREAM_CHANNEL, (event: IpcMainInvokeEvent, header: unknown, bytes: unknown): HostReply => {
    const refused = refuseUnlessStudio(event);
    if (refused) return refused;
    const h = OutputChunkHeader.safeParse(header);
    if (!h.success) return { ok: false, error: { code: 'BAD_REQUEST', message: 'bad program-stream chunk header' } };
    if (!(bytes instanceof Uint8Array) || bytes.byteLength > OUTPUT_STREAM.maxChunkBytes) {
      return { ok: false, error: { code: 'BAD_REQUEST', message: 'bad program-stream chunk' } };
    }
    return { ok: true, data: services.output.chunk(h.data, bytes) };
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1100,
    minHeight: 700,
    backgroundColor: '#0f1115',
    title: 'Storecast Studio',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      backgroundThrottling: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!isStudioUrl(url)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isStudioUrl(url)) event.preventDefault();
  });
  win.on('closed', () => {
    mainWindow = null;
  });
  void win.loadURL(STUDIO_URL);
  return win;
}

function appVersion(): string {
  try {
    return app.getVersion();
  } catch {
    const pkg = JSON.parse(readFileSync(join(distDir, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  }
}

async function start(): Promise<void> {
  await app.whenReady();
  registerAppProtocol();
  registerPermissions();
  // No webview tags or extra windows, ever.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  const userData = app.getPath('userData');
  mediaLibrary = new MediaLibrary(join(userData, 'studio-media'));
  const serverDataDir = join(userData, 'server-data');
  let serverUrl = process.env.STORECAST_SERVER_URL ?? null;
  if (!serverUrl) {
    try {
      localServer = await startLocalServer({
        nodeBin: process.env.STORECAST_NODE ?? 'node',
        serverEntry,
        dataDir: serverDataDir,
        webDir,
      });
      serverUrl = localServer.url;
    } catch (err) {
      // The studio still opens: it reports "server unreachable" and a remote server can be configured.
      console.error('[studio] local server failed to start:', err);
    }
  }

  const services = await createHostServices({
    mode: 'electron',
    version: appVersion(),
    systemLocale: localeFor(app.getPreferredSystemLanguages()),
    settingsFile: join(userData, 'studio-settings.json'),
    serverDataDir: process.env.STORECAST_SERVER_URL ? null : serverDataDir,
    localServerUrl: serverUrl,
    openExternal: async (url) => {
      if (!/^https?:\/\//.test(url)) return false;
      try {
        await shell.openExternal(url);
        return true;
      } catch {
        return false;
      }
    },
    openPath: async (path) => (await shell.openPath(path)) === '',
    recordingsDir: join(userData, 'recordings'),
    // getDisplayMedia from the studio page captures the screen / window the studio selected (desktopCapturer).
    display: new ElectronDisplayCapture(
      session.defaultSession,
      (frame, origin) => origin.startsWith(APP_ORIGIN) && frame !== null && frame.top === mainWindow?.webContents.mainFrame,
      (msg) => console.warn(`[studio] ${msg}`),
    ),
  });
  hostServices = services;
  registerIpc(services);
  mainWindow = createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || (!localServer && !hostServices)) return;
  event.preventDefault();
  quitting = true;
  // Finalize a running recording and stop restream processes before the server goes.
  void (hostServices?.close() ?? Promise.resolve())
    .catch((err: unknown) => console.error('[studio] closing outputs failed:', err))
    .then(() => localServer?.close())
    .finally(() => app.quit());
});

start().catch((err: unknown) => {
  console.error('[studio] failed to start:', err);
  app.exit(1);
});
