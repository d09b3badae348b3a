/**
 * Worker-fault bench: runs app/e2e/faults-worker.e2e.test.ts (a show over two mediasoup workers, one viewer on each;
 * the fan-out worker, then the origin worker, killed with SIGKILL) with FAULTS_REPORT set, so each test appends its
 * figures, and checks the targets: every viewer of a killed worker presents frames again within 3 s, and the
 * viewer on the surviving worker never pauses for a second. Needs a build (`npm run build`). Last stdout line:
 *   {"bench":"faults","fanout_back_ms":…,"untouched_gap_ms":…,"origin_back_ms":…,"passed":bool}
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReport, runVitest } from './lib/run-vitest';

const TARGET = { backMs: 3_000, untouchedGapMs: 1_000 };
const log = (msg: string) => console.log(`[bench:faults] ${msg}`);

interface Figures {
  scenario: 'fanout' | 'origin';
  backMs: number;
  untouchedGapMs?: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'storecast-bench-faults-'));
  const report = join(dir, 'figures.jsonl');
  try {
    const code = await runVitest({
      files: ['app/e2e/faults-worker.e2e.test.ts'],
      env: { FAULTS_REPORT: report },
      relay: /\[faults\]|✓|×|FAIL|Error|Tests /,
      log,
    });
    const rows = readReport<Figures>(report);
    const fanout = rows.find((r) => r.scenario === 'fanout');
    const origin = rows.find((r) => r.scenario === 'origin');
    const passed =
      code === 0 &&
      !!fanout &&
      !!origin &&
      fanout.backMs < TARGET.backMs &&
      (fanout.untouchedGapMs ?? Number.POSITIVE_INFINITY) < TARGET.untouchedGapMs &&
      origin.backMs < TARGET.backMs;
    log(`vitest exit code ${code}; targets: back < ${TARGET.backMs} ms, surviving viewer's longest gap < ${TARGET.untouchedGapMs} ms`);
    const ms = (x: number | undefined) => (x === undefined ? null : Math.round(x));
    console.log(
      JSON.stringify({
        bench: 'faults',
        fanout_back_ms: ms(fanout?.backMs),
        untouched_gap_ms: ms(fanout?.untouchedGapMs),
        origin_back_ms: ms(origin?.backMs),
        passed,
      }),
    );
    if (!passed) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
