// Bundles the Node-side entry points with esbuild: the server, the Electron main process, its preload and the
// web-mode studio host. Every npm package stays external in the Node bundles (loaded from node_modules at run time,
// as Node itself would): inlining a package breaks native addons and CommonJS code that requires Node built-ins from
// an ES module. The sandboxed preload can load nothing but electron, so it inlines the rest. Each bundle is then
// checked (scripts/bundle-check.mjs) and the build fails on a native package inside a bundle or a dynamic require.
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { checkBundle } from './bundle-check.mjs';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', metafile: true };
const nodeEsm = { ...common, packages: 'external', format: 'esm', outExtension: { '.js': '.mjs' } };

const bundles = [
  { name: 'server', format: 'esm', options: { ...nodeEsm, entryPoints: { main: 'server/src/main.ts' }, outdir: 'dist/server' } },
  { name: 'web host', format: 'esm', options: { ...nodeEsm, entryPoints: { 'web-host': 'app/main/web-host.ts' }, outdir: 'dist/main' } },
  // Electron main and preload are CommonJS (a sandboxed preload cannot be an ES module).
  {
    name: 'electron main',
    format: 'cjs',
    options: {
      ...common,
      packages: 'external',
      entryPoints: { main: 'app/main/electron-main.ts' },
      outdir: 'dist/main',
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
    },
  },
  {
    name: 'preload',
    format: 'cjs',
    // A sandboxed preload's require() knows electron and a few built-ins, not node_modules.
    allowExternal: (path) => path === 'electron',
    options: {
      ...common,
      entryPoints: { preload: 'app/preload/preload.ts' },
      outdir: 'dist/preload',
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
      external: ['electron'],
    },
  },
];

/** Build every Node bundle (into dist/, or only in memory) and return what the bundle check finds. */
export async function buildNode({ write = true } = {}) {
  const results = await Promise.all(bundles.map((b) => build({ ...b.options, write })));
  return results.flatMap((r, i) => checkBundle(r.metafile, bundles[i]));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = await buildNode();
  if (problems.length) {
    console.error(`build:node: ${problems.length} problem(s) in the Node bundles:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('build:node ok');
}
