// `npm run dist`: package Storecast Studio with electron-builder (electron-builder.yml): Linux AppImage + deb here,
// Windows NSIS and macOS dmg when run on those systems. It needs the Electron binary (fetched from GitHub by the
// `electron` package) and electron-builder's own tools (AppImage / fpm, also from GitHub on first use). Where they
// cannot be had, say so clearly and stop — without triggering a download attempt.
import { spawnSync } from 'node:child_process';
import { electronBinary } from './electron-binary.mjs';

const platformArg = process.platform === 'win32' ? '--win' : process.platform === 'darwin' ? '--mac' : '--linux';
const targets = { '--linux': 'AppImage + deb', '--win': 'NSIS installer', '--mac': 'dmg' }[platformArg];

const electron = electronBinary();
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
