// Bundles the Node-side entry points with esbuild: the server, the Electron main process, its preload
// and the web-mode studio host. Native and heavy packages stay external (resolved from node_modules).
import { build } from 'esbuild';

const external = ['mediasoup', 'better-sqlite3', 'electron', 'fastify', '@fastify/*', 'ws', 'pino', 'pino-pretty', 'zod'];
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', external };

await Promise.all([
  build({ ...common, entryPoints: { main: 'server/src/main.ts' }, outdir: 'dist/server', format: 'esm', outExtension: { '.js': '.mjs' } }),
  build({
    ...common,
    entryPoints: { 'web-host': 'app/main/web-host.ts' },
    outdir: 'dist/main',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
  }),
  // Electron main and preload are CommonJS (a sandboxed preload cannot be an ES module).
  build({
    ...common,
    entryPoints: { main: 'app/main/electron-main.ts' },
    outdir: 'dist/main',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  }),
  build({
    ...common,
    entryPoints: { preload: 'app/preload/preload.ts' },
    outdir: 'dist/preload',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  }),
]);
console.log('build:node ok');
