// `npm start`: build if needed, start the server on embedded defaults (SQLite under ./data), then open the studio —
// the Electron window when the Electron binary is present, otherwise the web studio in the browser (URL printed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
process.chdir(root);

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
  console.log('[storecast] building (first start or sources changed)…');
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const env = { ...process.env, DATA_DIR: process.env.DATA_DIR ?? join(root, 'data') };
const port = Number(env.PORT ?? 8080);
const server = spawn(process.execPath, ['dist/server/main.mjs'], { stdio: 'inherit', env });
const children = [server];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => {
  console.log(`[storecast] server exited (${code})`);
  stop();
  process.exit(code ?? 0);
});

const serverUrl = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${serverUrl}/healthz`);
    if (r.ok) break;
  } catch {}
  if (i > 150) {
    console.error(`[storecast] server did not become healthy at ${serverUrl}`);
    stop();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}

let electronBin = null;
try {
  const p = require('electron');
  if (typeof p === 'string' && existsSync(p)) electronBin = p;
} catch {}

if (electronBin && process.env.STORECAST_WEB !== '1') {
  console.log('[storecast] opening Storecast Studio (Electron)');
  const app = spawn(electronBin, ['.'], { stdio: 'inherit', env: { ...env, STORECAST_SERVER_URL: serverUrl } });
  children.push(app);
  app.on('exit', () => stop());
} else {
  const { startWebHost } = await import(join(root, 'dist/main/web-host.mjs'));
  const host = await startWebHost({
    dataDir: env.DATA_DIR,
    serverUrl,
    port: Number(env.STUDIO_PORT ?? 5170),
    webDir: join(root, 'dist/web'),
  });
  console.log('[storecast] Electron binary not present: running the web studio.');
  console.log(`[storecast] Studio:  ${host.url}`);
  console.log(`[storecast] Viewers: ${serverUrl}/live/<showId> (the studio shows the link once a show is open)`);
  if (!process.env.CI && (process.env.DISPLAY || process.platform !== 'linux')) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [host.url], { stdio: 'ignore', detached: true }).on('error', () => {});
  }
  process.on('SIGINT', () => host.close());
}
