// `npm run dist`: package Storecast Studio with electron-builder (Linux AppImage + deb here; Windows/macOS on those hosts).
// Needs the Electron binary (downloaded by `npm install` on an online machine). Where it cannot be had, explain and stop.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let bin = null;
try {
  bin = require('electron');
} catch {}
if (typeof bin !== 'string' || !existsSync(bin)) {
  console.error(
    [
      'npm run dist: the Electron binary is not installed, so the desktop app cannot be packaged on this machine.',
      'It is downloaded from GitHub by electron on first use; machines without GitHub access (like our CI) cannot fetch it,',
      'and ELECTRON_SKIP_BINARY_DOWNLOAD=1 skips it. On an online machine run: npx electron --version (fetches it), then npm run dist.',
      'Targets: electron-builder.yml (Linux AppImage + deb; Windows NSIS and macOS dmg when run on those systems).',
    ].join('\n'),
  );
  process.exit(2);
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'build']);
const platformArg = process.platform === 'win32' ? '--win' : process.platform === 'darwin' ? '--mac' : '--linux';
run('npx', ['electron-builder', platformArg, '--publish', 'never']);
