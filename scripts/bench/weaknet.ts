/**
 * Weak-network bench: runs the weak-network scenarios a–g once each — they are the end-to-end tests
 * app/e2e/weaknet.e2e.test.ts (viewer side: a, b, e, f, g) and app/e2e/weaknet-studio.e2e.test.ts (studio side: c, d),
 * run by vitest with WEAKNET_REPORT set, so each appends its figures (weaknet-page.ts) — and prints a line per
 * scenario, then one JSON line:
 *   {"bench":"weaknet","scenarios":{…},"passed":n,"adapt_s_max":…,"freeze_pct_max":…,"recover_s_max":…,"audio_gap_ms_max":…}
 * `passed` counts scenarios that met the issue's targets (adapt ≤ 3 s, frozen ≤ 2 %, recovery ≤ 3 s, c ≥ 24 fps, no
 * audio gap over 200 ms in a–c; g, 50 % loss: "connection too poor" shown within 20 s, a chat message sent under the loss, a picture within 3 s of lifting).
 * Needs root (network namespaces), iproute2, nftables and a build (`npm run build`). Scenario letters as arguments
 * (`npm run bench:weaknet -- d`) run only those, e.g. for a quick check that the bench still works.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioFigures } from '../../app/e2e/weaknet-page';
import { readReport, runVitest } from './lib/run-vitest';

/** Each file and the scenarios its tests are (their names start with the letter: "a. downlink capped…"). */
const FILES: Record<string, string[]> = {
  'app/e2e/weaknet.e2e.test.ts': ['a', 'b', 'e', 'f', 'g'],
  'app/e2e/weaknet-studio.e2e.test.ts': ['c', 'd'],
};
const ALL = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
/** The issue's audio target for scenarios a–c. */
const AUDIO_GAP_MAX_MS = 200;
const picked = process.argv.slice(2).filter((a) => ALL.includes(a));
const SCENARIOS = picked.length > 0 ? ALL.filter((id) => picked.includes(id)) : ALL;
const files = Object.keys(FILES).filter((f) => FILES[f]!.some((id) => SCENARIOS.includes(id)));

const log = (msg: string) => console.log(`[bench:weaknet] ${msg}`);
const round = (x: number | null | undefined, d = 1): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null;
const seconds = (ms: number | null | undefined): number | null => round(typeof ms === 'number' ? ms / 1000 : null, 2);
const maxOf = (values: (number | null | undefined)[]): number | null => {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : null;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'storecast-bench-weaknet-'));
  const report = join(dir, 'figures.jsonl');
  try {
    log(`running ${files.join(' and ')} (scenarios ${SCENARIOS.join(', ')}, one run each)`);
    // The tests' own lines ([weaknet x] …) are the per-scenario detail; vitest's summary is kept short.
    const code = await runVitest({
      files,
      env: { WEAKNET_REPORT: report },
      relay: /\[weaknet [a-g]\]|✓|×|FAIL|Error|Tests /,
      log,
      args: SCENARIOS.length < ALL.length ? ['-t', ` (${SCENARIOS.join('|')})\\. `] : [],
    });
    const rows = readReport<ScenarioFigures>(report);
    const byScenario = new Map(rows.map((r) => [r.scenario, r]));
    const scenarios: Record<string, Record<string, number | string | boolean | null>> = {};
    for (const id of SCENARIOS) {
      const r = byScenario.get(id);
      if (!r) {
        log(`${id}: no figures (the test failed before measuring; see above)`);
        scenarios[id] = { passed: false };
        continue;
      }
      // The issue's audio target (no gap over 200 ms) holds in a–c besides each scenario's own.
      const audioOk = !['a', 'b', 'c'].includes(id) || r.audioGapMs == null || r.audioGapMs <= AUDIO_GAP_MAX_MS;
      const row = {
        passed: r.passed && audioOk,
        adapt_s: seconds(r.adaptMs),
        freeze_pct: round(r.frozenPct, 2),
        recover_s: seconds(r.resumeMs),
        fps: round(r.fps, 1),
        audio_gap_ms: round(r.audioGapMs, 0),
        ...Object.fromEntries(Object.entries(r.extra ?? {}).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v])),
      };
      scenarios[id] = row;
      log(
        `${id}: ${row.passed ? 'meets' : 'MISSES'} targets${audioOk ? '' : ` (audio gap over ${AUDIO_GAP_MAX_MS} ms)`} — ${Object.entries(
          row,
        )
          .filter(([k, v]) => k !== 'passed' && v !== null)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    }
    const met = Object.values(scenarios).filter((row) => row.passed).length;
    const present = SCENARIOS.map((id) => byScenario.get(id)).filter((r): r is ScenarioFigures => !!r);
    const audioScenarios = present.filter((r) => ['a', 'b', 'c'].includes(r.scenario));
    log(`vitest exit code ${code}; the machine is shared (2 cores under other load), so figures vary between runs`);
    console.log(
      JSON.stringify({
        bench: 'weaknet',
        scenarios,
        passed: met,
        adapt_s_max: seconds(maxOf(present.map((r) => r.adaptMs))),
        freeze_pct_max: round(maxOf(present.map((r) => r.frozenPct)), 2),
        recover_s_max: seconds(maxOf(present.map((r) => r.resumeMs))),
        audio_gap_ms_max: round(maxOf(audioScenarios.map((r) => r.audioGapMs)), 0),
      }),
    );
    if (met < SCENARIOS.length) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  console.log(
    JSON.stringify({
      bench: 'weaknet',
      scenarios: {},
      passed: 0,
      adapt_s_max: null,
      freeze_pct_max: null,
      recover_s_max: null,
      audio_gap_ms_max: null,
    }),
  );
  process.exit(1);
});
