// `npm run dist`: package Storecast Studio with electron-builder (electron-builder.yml): Linux AppImage + deb here,
// Windows NSIS and macOS dmg when run on those systems. It needs the Electron binary (fetched from GitHub by the
// `electron` package) and electron-builder's own tools (AppImage / fpm, also from GitHub on first use). Where they
// cannot be had, say so clearly and stop — without triggering a download attempt.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const platformArg = process.platform === 'win32' ? '--win' : process.platform === 'darwin' ? '--mac' : '--linux';
const targets = { '--linux': 'AppImage + deb', '--win': 'NSIS installer', '--mac': 'dmg' }[platformArg];

/** The directory holding the Electron binary, or null (electron's own `require('electron')` would try to download it). */
function electronDist() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { dir: null, why: 'the electron package is not installed (run npm install)' };
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { dir: null, why: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)' };
  }
  const exe = readFileSync(pathFile, 'utf8').trim();
  const dir = override ?? join(pkgDir, 'dist');
  if (!existsSync(join(dir, exe))) return { dir: null, why: `the Electron binary is missing (${join(dir, exe)})` };
  return { dir, why: null };
}

const electron = electronDist();
if (!electron.dir) {
  console.error(
    [
      `npm run dist: cannot package Storecast Studio on this machine: ${electron.why}.`,
      'The Electron binary comes from GitHub (the electron package downloads it on install or first use); machines without',
      'GitHub access — like our CI — cannot fetch it, and ELECTRON_SKIP_BINARY_DOWNLOAD=1 skips it on purpose.',
      'On a machine with internet access: npx electron --version (downloads it), then npm run dist.',
      `This ${process.platform} machine would build: ${targets} (see electron-builder.yml; Windows NSIS and macOS dmg are built on those systems).`,
      'The studio itself still runs here in web mode: npm start.',
    ].join('\n'),
  );
  process.exit(2);
}

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
const build = run('npm', ['run', 'build']);
if (build.status !== 0) process.exit(build.status ?? 1);
// Package with the Electron binary we already have (no second download of an Electron zip).
const pack = run('npx', ['electron-builder', platformArg, '--publish', 'never', `-c.electronDist=${electron.dir}`]);
if (pack.status !== 0) {
  console.error(
    [
      `npm run dist: electron-builder failed (exit ${pack.status}).`,
      'On first use electron-builder downloads its packaging tools from GitHub (appimagetool, fpm for deb, NSIS on Windows);',
      'without GitHub access pre-seed its cache (ELECTRON_BUILDER_CACHE) from a machine that has built once.',
    ].join('\n'),
  );
  process.exit(pack.status ?? 1);
}
console.log(`npm run dist: packages are in release/ (${targets}).`);
