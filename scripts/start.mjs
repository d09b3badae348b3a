// `npm start`: build if needed, start the server on embedded defaults (SQLite under ./data), then open the studio —
// the Electron window when the Electron binary is present (or can be downloaded now), otherwise the web studio in the
// browser (URL printed). Environment: PORT, STUDIO_PORT, DATA_DIR and the server's keys (README); BROWSER=none keeps
// the browser closed, BROWSER=<program> opens the web studio with that program; STORECAST_WEB=1 forces web mode.
// SIGINT / SIGTERM stop the studio host and the server; the exit code is the server's.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { downloadElectron, electronBinary } from './electron-binary.mjs';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);
const say = (line) => console.log(`[storecast] ${line}`);

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

const outputs = [
  'dist/web/studio/index.html',
  'dist/web/viewer/index.html',
  'dist/server/main.mjs',
  'dist/main/web-host.mjs',
  'dist/main/main.cjs',
];
const builtAt = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
const sourcesAt = Math.max(...['app', 'server', 'shared'].map((d) => newestMtime(d)));
if (process.env.STORECAST_SKIP_BUILD !== '1' && builtAt < sourcesAt) {
  say('building (first start or sources changed)…');
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The Electron binary, downloading it now if the electron package has not yet (Electron fetches it on first use). */
function electronStudio() {
  const present = electronBinary();
  if (present.bin || present.why?.startsWith('the electron package')) return present;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD)
    return { bin: null, why: 'the Electron binary is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
  say('downloading the Electron binary (first start)…');
  return downloadElectron();
}

const env = { ...process.env, DATA_DIR: process.env.DATA_DIR ?? join(root, 'data') };
const port = Number(env.PORT ?? 8080);
// Its own process group: a terminal's Ctrl-C reaches this script only, which stops the server in order. Otherwise
// the server's mediasoup workers get the signal too and exit under the server before it closes them.
const server = spawn(process.execPath, ['dist/server/main.mjs'], { stdio: 'inherit', env, detached: true });
let studioApp = null;
let webHost = null;
let stopping = false;

/** Stop the studio, then the server; the process exits when the server has (with its code). */
function stop(signal = 'SIGTERM') {
  if (stopping) return;
  stopping = true;
  studioApp?.kill('SIGTERM');
  const hostClosed = webHost ? webHost.close().catch(() => {}) : Promise.resolve();
  hostClosed.then(() => {
    if (server.exitCode === null && server.signalCode === null) server.kill(signal);
  });
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGTERM'));
server.on('exit', (code, signal) => {
  say(stopping ? `stopped (exit code ${code ?? signal})` : `server exited (${code ?? signal})`);
  stopping = true;
  studioApp?.kill('SIGTERM');
  const done = () => process.exit(code ?? 1);
  if (webHost) webHost.close().then(done, done);
  else done();
});

const serverUrl = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (stopping) await new Promise(() => {}); // the server's exit handler ends the process
  try {
    const r = await fetch(`${serverUrl}/healthz`);
    if (r.ok) break;
  } catch {}
  if (i > 150) {
    console.error(`[storecast] server did not become healthy at ${serverUrl}`);
    stop();
    await new Promise(() => {});
  }
  await new Promise((r) => setTimeout(r, 200));
}

const electron = process.env.STORECAST_WEB === '1' ? { bin: null, why: 'STORECAST_WEB=1 asks for the web studio' } : electronStudio();
if (electron.bin && !stopping) {
  say('opening Storecast Studio (Electron)');
  studioApp = spawn(electron.bin, ['.'], { stdio: 'inherit', env: { ...env, STORECAST_SERVER_URL: serverUrl } });
  studioApp.on('exit', () => stop());
} else if (!stopping) {
  const { startWebHost } = await import(join(root, 'dist/main/web-host.mjs'));
  webHost = await startWebHost({
    dataDir: env.DATA_DIR,
    serverUrl,
    port: Number(env.STUDIO_PORT ?? 5170),
    webDir: join(root, 'dist/web'),
  });
  say(`No Electron studio: ${electron.why}; opening the web studio.`);
  say(`Studio:  ${webHost.url}`);
  say(`Viewers: ${serverUrl}/live/<showId> (the studio shows the link once a show is open)`);
  say(`Moderators: ${serverUrl}/moderator`);
  const browser = env.BROWSER;
  if (browser !== 'none' && !env.CI && (browser || env.DISPLAY || process.platform !== 'linux')) {
    const opener = browser || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
    spawn(opener, [webHost.url], { stdio: 'ignore', detached: true })
      .on('error', () => say(`could not start ${opener}: open the studio URL above yourself`))
      .unref();
  }
}
