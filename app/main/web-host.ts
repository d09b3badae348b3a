/**
 * Web-mode studio host: serves the built pages (dist/web, studio at /studio/) on 127.0.0.1 and the host
 * channel WebSocket (HOST_WS_PATH) backed by the same services as Electron's IPC. Access is gated by a random
 * token carried in the studio URL (`?hostToken=`) and an Origin check (same host), so other local pages
 * and other users' browsers cannot drive the host services.
 *
 * As an entry (dist/main/web-host.mjs) it reads env: STUDIO_PORT (5170), STORECAST_DATA_DIR (./data),
 * STORECAST_SERVER_URL (else a local server is spawned from dist/server/main.mjs), WEB_DIR (dist/web),
 * STUDIO_OPEN=1 to open the studio in the system browser.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply } from 'fastify';
import {
  decodeOutputFrame,
  HOST_CALLER,
  HOST_MAX_MESSAGE_BYTES,
  HOST_TOKEN_PARAM,
  HOST_WS_PATH,
  hostMethods,
  hostNotifications,
  OUTPUT_STREAM,
} from '../../shared/protocol/host';
import { MEDIA_HTTP_PATH, MEDIA_IMPORT_MAX_BYTES, MEDIA_TOKEN_HEADER, MediaImportName } from '../../shared/protocol/media-library';
import { dispatchRequest, type ErrorCode, notification, RpcError } from '../../shared/protocol/rpc';
import { STUDIO_CSP } from './csp';
import { startLocalServer } from './local-server';
import { MediaLibrary } from './media-library';
import { openExternalDetached, openPathDetached } from './open-external';
import { createHostServices, type HostLogger, type HostServicesOptions } from './services';

/** Close code for a host socket without a valid token / origin. */
export const HOST_WS_UNAUTHORIZED = 4401;

export interface WebHostOptions {
  /** Data dir shared with the local server: settings in `<dataDir>/studio-settings.json`, token in `<dataDir>/studio-token`. */
  dataDir: string;
  /** http base of the server to publish to (null: none known; settings.serverUrl may still set one). */
  serverUrl: string | null;
  /** Port on 127.0.0.1 (0 = any free port). Default 5170. */
  port?: number;
  /** Built pages (dist/web). */
  webDir: string;
  /** Override the opener (tests); default spawns xdg-open/open/start. */
  openExternal?: (url: string) => Promise<boolean>;
  /** Override the folder opener (tests); default spawns xdg-open/open/explorer. */
  openPath?: (path: string) => Promise<boolean>;
  /** Output service overrides (tests). */
  output?: HostServicesOptions['output'];
  log?: HostLogger;
  version?: string;
  /** First-run language (default: the system's). */
  systemLocale?: HostServicesOptions['systemLocale'];
}

export interface WebHost {
  /** Studio URL including the host token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(process.cwd(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const log = opts.log ?? { info: (m: string) => console.log(`[web-host] ${m}`), warn: (m: string) => console.warn(`[web-host] ${m}`) };
  const token = randomBytes(24).toString('base64url');
  const services = await createHostServices({
    mode: 'web',
    version: opts.version ?? packageVersion(),
    settingsFile: join(opts.dataDir, 'studio-settings.json'),
    serverDataDir: opts.dataDir,
    localServerUrl: opts.serverUrl,
    openExternal: opts.openExternal ?? openExternalDetached,
    openPath: opts.openPath ?? openPathDetached,
    recordingsDir: join(opts.dataDir, 'recordings'),
    ...(opts.output ? { output: opts.output } : {}),
    ...(opts.systemLocale ? { systemLocale: opts.systemLocale } : {}),
    log,
  });

  const app = Fastify({ logger: false, bodyLimit: 1024 });
  // Text frames: host requests (scene collections are the largest); binary frames: program-stream chunks.
  const maxPayload = Math.max(HOST_MAX_MESSAGE_BYTES, OUTPUT_STREAM.maxChunkBytes + 64);
  await app.register(fastifyWebsocket, { options: { maxPayload } });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('Content-Security-Policy', STUDIO_CSP);
      reply.header('Cache-Control', 'no-cache');
    }
    return payload;
  });

  let boundPort = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${boundPort}`, `localhost:${boundPort}`]);

  // ---- media library: PUT <MEDIA_HTTP_PATH>/<name> (raw bytes, token header) imports; GET serves (ranges) ----
  const library = new MediaLibrary(join(opts.dataDir, 'studio-media'));
  mkdirSync(library.dir, { recursive: true });
  const httpStatus: Partial<Record<ErrorCode, number>> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, NOT_FOUND: 404, TOO_LARGE: 413 };
  const fail = (reply: FastifyReply, code: ErrorCode, message: string) =>
    reply.code(httpStatus[code] ?? 500).send({ error: { code, message } });
  await app.register(fastifyStatic, { root: library.dir, serve: false });
  await app.register(async (scope) => {
    // The import route streams the request body itself (any content type, no body limit but the library's own).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.put<{ Params: { name: string } }>(`${MEDIA_HTTP_PATH}/:name`, async (req, reply) => {
      const host = req.headers.host ?? '';
      const origin = req.headers.origin;
      if (
        !allowedHosts().has(host) ||
        (origin !== undefined && origin !== `http://${host}`) ||
        !tokenMatches(token, req.headers[MEDIA_TOKEN_HEADER])
      ) {
        req.raw.resume();
        return fail(reply, 'UNAUTHORIZED', 'media import needs the studio host token');
      }
      const name = MediaImportName.safeParse(req.params.name);
      if (!name.success) {
        req.raw.resume();
        return fail(reply, 'BAD_REQUEST', 'bad file name');
      }
      if (Number(req.headers['content-length'] ?? 0) > MEDIA_IMPORT_MAX_BYTES) {
        req.raw.resume();
        return fail(reply, 'TOO_LARGE', `larger than ${Math.round(MEDIA_IMPORT_MAX_BYTES / 1024 / 1024)} MB`);
      }
      try {
        const result = await library.import(name.data, req.raw);
        log.info(`media ${result.existed ? 'already in the library' : 'imported'}: ${result.file} (${result.bytes} bytes)`);
        return reply.send(result);
      } catch (err) {
        req.raw.resume();
        if (err instanceof RpcError) return fail(reply, err.code, err.message);
        log.warn(`media import failed: ${err instanceof Error ? err.message : String(err)}`);
        return fail(reply, 'INTERNAL', 'could not store the file');
      }
    });
  });
  app.get<{ Params: { file: string } }>(`${MEDIA_HTTP_PATH}/:file`, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    if (!allowedHosts().has(req.headers.host ?? '') || !tokenMatches(token, query[HOST_TOKEN_PARAM])) {
      return fail(reply, 'UNAUTHORIZED', 'media needs the studio host token');
    }
    const path = await library.resolve(req.params.file);
    if (!path) return fail(reply, 'NOT_FOUND', 'no such file in the media library');
    reply.header('Cache-Control', 'private, max-age=31536000, immutable'); // content-addressed names
    return reply.sendFile(req.params.file, library.dir);
  });

  app.get(HOST_WS_PATH, { websocket: true }, (socket, req) => {
    const host = req.headers.host ?? '';
    const origin = req.headers.origin;
    const query = req.query as Record<string, unknown>;
    if (!allowedHosts().has(host) || origin !== `http://${host}` || !tokenMatches(token, query[HOST_TOKEN_PARAM])) {
      log.warn(`rejected host socket (origin ${origin ?? 'none'}, host ${host})`);
      socket.close(HOST_WS_UNAUTHORIZED, 'unauthorized');
      return;
    }
    // Requests are handled one at a time per socket so replies keep request order.
    let chain: Promise<void> = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      chain = chain.then(async () => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        if (isBinary) {
          // Program-stream channel: one chunk per frame, answered by an output.chunkAck notification.
          const frame = decodeOutputFrame(bytes);
          if (!frame.ok) {
            socket.send(JSON.stringify({ t: 'res', id: null, ok: false, error: { code: 'BAD_REQUEST', message: frame.message } }));
            return;
          }
          const ack = services.output.chunk(frame.header, frame.chunk);
          if (socket.readyState === socket.OPEN) socket.send(notification(hostNotifications, 'output.chunkAck', ack));
          return;
        }
        const text = bytes.toString('utf8');
        const reply = await dispatchRequest(
          hostMethods,
          services.handlers,
          text,
          { via: 'ws' },
          HOST_CALLER,
          (err, method) => log.warn(`${method} failed: ${err instanceof Error ? err.message : String(err)}`),
          HOST_MAX_MESSAGE_BYTES,
        );
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
      });
    });
  });

  if (existsSync(opts.webDir)) {
    await app.register(fastifyStatic, { root: resolve(opts.webDir), prefix: '/', index: ['index.html'], decorateReply: false });
  } else {
    app.get('/*', async (_req, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(`Studio pages not built (${opts.webDir} missing): run npm run build`),
    );
  }
  app.get('/', async (_req, reply) => reply.redirect('/studio/'));

  await app.listen({ host: '127.0.0.1', port: opts.port ?? 5170 });
  const addr = app.server.address();
  boundPort = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 5170);
  const url = `http://127.0.0.1:${boundPort}/studio/?${HOST_TOKEN_PARAM}=${token}`;
  return {
    url,
    port: boundPort,
    token,
    close: async () => {
      await app.close();
      await services.close();
    },
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const root = process.cwd();
  const dataDir = resolve(env.STORECAST_DATA_DIR ?? env.DATA_DIR ?? join(root, 'data'));
  const webDir = resolve(env.WEB_DIR ?? join(root, 'dist/web'));
  let serverUrl = env.STORECAST_SERVER_URL ?? null;
  let closeServer: (() => Promise<void>) | null = null;
  if (!serverUrl) {
    const server = await startLocalServer({
      nodeBin: env.STORECAST_NODE ?? process.execPath,
      serverEntry: resolve(root, 'dist/server/main.mjs'),
      dataDir,
      webDir,
      port: env.PORT ? Number(env.PORT) : undefined,
    });
    serverUrl = server.url;
    closeServer = server.close;
  }
  const host = await startWebHost({ dataDir, webDir, serverUrl, port: env.STUDIO_PORT ? Number(env.STUDIO_PORT) : 5170 });
  console.log(`Storecast Studio (web mode): ${host.url}`);
  console.log(`Publishing to ${serverUrl}`);
  if (env.STUDIO_OPEN === '1') await openExternalDetached(host.url);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await host.close();
    await closeServer?.();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
