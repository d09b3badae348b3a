// Checks an esbuild metafile for the two ways a Node bundle breaks only when it runs:
//  - a native package (a compiled .node addon) inlined into the bundle: its binding can no longer be found;
//  - in an ES module bundle, a `require()` of something left external: esbuild turns it into a shim that throws
//    "Dynamic require of … is not supported" at run time.
// A bundle may also declare which packages it may leave external at all (the sandboxed preload may load only
// electron). Returns the problems found; the build fails on any.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const nativeCache = new Map();

/** The package directory (…/node_modules/<name> or …/node_modules/@scope/<name>) an input path belongs to. */
export function packageDirOf(inputPath, cwd = process.cwd()) {
  const abs = resolve(cwd, inputPath);
  const marker = `${sep}node_modules${sep}`;
  const at = abs.lastIndexOf(marker);
  if (at < 0) return null;
  const rest = abs.slice(at + marker.length).split(sep);
  const depth = rest[0]?.startsWith('@') ? 2 : 1;
  return abs.slice(0, at + marker.length) + rest.slice(0, depth).join(sep);
}

/** A package is native when it declares a node-gyp build or ships compiled addons. */
export function isNativePackage(pkgDir) {
  if (nativeCache.has(pkgDir)) return nativeCache.get(pkgDir);
  let native = existsSync(join(pkgDir, 'binding.gyp'));
  if (!native) {
    try {
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      native = pkg.gypfile === true || Object.keys(pkg.dependencies ?? {}).some((d) => d === 'node-gyp-build' || d === 'bindings');
    } catch {}
  }
  if (!native) native = hasAddon(pkgDir, 3);
  nativeCache.set(pkgDir, native);
  return native;
}

function hasAddon(dir, depth) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.node')) return true;
    if (e.isDirectory() && depth > 0 && e.name !== 'node_modules' && hasAddon(join(dir, e.name), depth - 1)) return true;
  }
  return false;
}

/**
 * @param {import('esbuild').Metafile} metafile
 * @param {{ format: 'esm' | 'cjs', allowExternal?: (path: string) => boolean, cwd?: string }} opts
 * @returns {string[]} problems, one line each
 */
export function checkBundle(metafile, { format, allowExternal = () => true, cwd = process.cwd() }) {
  const problems = [];
  for (const [outFile, output] of Object.entries(metafile.outputs)) {
    if (!outFile.endsWith('js')) continue;
    const natives = new Set();
    for (const input of Object.keys(output.inputs)) {
      const pkgDir = packageDirOf(input, cwd);
      if (pkgDir && isNativePackage(pkgDir)) natives.add(pkgDir.slice(pkgDir.lastIndexOf(`node_modules${sep}`) + 13));
    }
    for (const name of natives) problems.push(`${outFile}: native package "${name}" is bundled; it must stay external`);
    for (const imp of output.imports ?? []) {
      if (!imp.external) continue;
      if (format === 'esm' && (imp.kind === 'require-call' || imp.kind === 'require-resolve')) {
        problems.push(`${outFile}: require("${imp.path}") in an ES module bundle throws "Dynamic require" at run time`);
      } else if (!allowExternal(imp.path)) {
        problems.push(`${outFile}: "${imp.path}" is left external but this bundle may not load it at run time`);
      }
    }
  }
  return problems;
}
