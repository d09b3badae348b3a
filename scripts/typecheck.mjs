// Type-checks every runtime target with its own tsconfig, so a wrong import (DOM in shared/, Node in a page) fails.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const projects = ['shared', 'server', 'app/main', 'app/preload', 'app', 'scripts'];
let failed = 0;
for (const p of projects) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', p, '--noEmit'], { stdio: 'inherit' });
  console.log(`typecheck ${p}: ${r.status === 0 ? 'ok' : 'FAILED'} (${Date.now() - t0} ms)`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
