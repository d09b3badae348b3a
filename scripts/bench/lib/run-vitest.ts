/**
 * Benches built on end-to-end tests (bench:weaknet, bench:faults) run vitest on those files in a child process, with
 * the environment that makes the tests report their figures, and relay the tests' own lines.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Exit code of `vitest run` on `files`; output lines matching `relay` go to `log`. */
export function runVitest(o: {
  files: readonly string[];
  env: Record<string, string>;
  relay: RegExp;
  log: (line: string) => void;
  args?: readonly string[];
}): Promise<number> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'scripts/vitest.config.ts', ...o.files, ...(o.args ?? [])],
      { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (o.relay.test(line)) o.log(line.trim());
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('exit', (code) => done(code ?? 1));
  });
}

/** The JSON lines the tests appended to `file` (none if no test got far enough to report). */
export function readReport<T>(file: string): T[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  } catch {
    return [];
  }
}
