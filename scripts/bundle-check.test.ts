/**
 * The build's bundle check (scripts/bundle-check.mjs) against the two ways a Node bundle broke only at run time:
 * the server bundled with a hand-picked external list (sharp's detect-libc inlined: "Dynamic require of
 * child_process" in the ES module), and a native package inlined into a bundle. And the real build passes it.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildNode } from './build-node.mjs';
import { checkBundle, isNativePackage } from './bundle-check.mjs';

const root = join(import.meta.dirname, '..');

async function metafile(entry: string, options: Record<string, unknown>) {
  const r = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: '/tmp/bundle-check',
    absWorkingDir: root,
    ...options,
  });
  return r.metafile;
}

describe('bundle check', () => {
  it('flags the server bundled with a hand-picked external list (the start-up crash)', async () => {
    const external = ['mediasoup', 'better-sqlite3', 'electron', 'fastify', '@fastify/*', 'ws', 'pino', 'pino-pretty', 'zod'];
    // The product-image module is where sharp (and its detect-libc) came in.
    const problems = checkBundle(await metafile('server/src/commerce/media.ts', { format: 'esm', external }), { format: 'esm' });
    expect(problems.some((p) => /require\("child_process"\) in an ES module bundle/.test(p))).toBe(true);
  });

  it('flags a native package inlined into a bundle, and externals a sandboxed preload cannot load', async () => {
    expect(isNativePackage(join(root, 'node_modules/better-sqlite3'))).toBe(true);
    expect(isNativePackage(join(root, 'node_modules/zod'))).toBe(false);
    const inlined = await metafile('server/src/db/database.ts', { format: 'cjs', external: ['electron'] });
    expect(checkBundle(inlined, { format: 'cjs' }).some((p) => /native package "better-sqlite3" is bundled/.test(p))).toBe(true);
    const preloadLike = await metafile('server/src/db/database.ts', { format: 'cjs', packages: 'external' });
    expect(
      checkBundle(preloadLike, { format: 'cjs', allowExternal: (p) => p === 'electron' }).some((p) =>
        /"better-sqlite3" is left external/.test(p),
      ),
    ).toBe(true);
  });

  it('passes the real build of every Node bundle', async () => {
    expect(await buildNode({ write: false })).toEqual([]);
  });
});
