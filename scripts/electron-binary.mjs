// Where the Electron binary is, without `require('electron')`: that call downloads the binary when it is missing
// (Electron fetches it on first use), with a stack trace where the download fails. npm start and npm run dist both
// ask here first; npm start then tries the download itself, quietly (downloadElectron).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function packageDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** `{ bin, dir }` of the Electron binary when it is on disk, else `{ bin: null, dir: null, why }`. */
export function electronBinary() {
  const pkgDir = packageDir();
  if (!pkgDir) return { bin: null, dir: null, why: 'the electron package is not installed (run npm install)' };
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile))
    return { bin: null, dir: null, why: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)' };
  const dir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkgDir, 'dist');
  const bin = join(dir, readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { bin, dir, why: null } : { bin: null, dir: null, why: `the Electron binary is missing (${bin})` };
}

/** Run the electron package's own download; returns the binary as electronBinary() does, with why it failed in a few words. */
export function downloadElectron() {
  const pkgDir = packageDir();
  if (!pkgDir) return electronBinary();
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { encoding: 'utf8', timeout: 10 * 60_000 });
  const found = r.status === 0 ? electronBinary() : null;
  if (found?.bin) return found;
  const text = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const reason = text.match(/^\w*Error: (.+)$/m)?.[1] ?? (r.error ? r.error.message : `install exited with ${r.status}`);
  return { bin: null, dir: null, why: `the Electron binary could not be downloaded (${reason.trim()})` };
}
