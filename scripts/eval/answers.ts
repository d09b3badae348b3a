/**
 * `npm run eval:answers [-- --baseline] [-- --verbose]`: suggested answers measured on the labelled buyer questions.
 * Last stdout line: {"eval":"answers","questions":…,"top1":…,"top3":…,"false_suggestion_rate":…,"auto_precision":…,
 * "auto_coverage":…,"p95_ms":…}. `--baseline` measures the former BM25 suggester (character bigrams, whole
 * descriptions, no facts, no threshold) on the same set.
 */
import { baselineFn, demoFixture, heldoutFrom, loadEvalSet, runEval, type SuggestFn, suggesterFn } from '../../server/src/answers/eval';

const args = new Set(process.argv.slice(2));
const fx = await demoFixture();
let suggest: SuggestFn;
if (args.has('--baseline')) {
  suggest = baselineFn(fx);
} else {
  suggest = suggesterFn(fx);
  suggest('预热', null);
}
const rows = loadEvalSet();
const { report, byLanguage, misses } = runEval(rows, fx, suggest);
// The part written after the lexicon was tuned: how well it carries to new wording.
const heldout = runEval(rows.slice(heldoutFrom()), fx, suggest);
fx.close();
if (args.has('--verbose')) for (const m of misses) console.log(m);
console.log(JSON.stringify({ by_language: byLanguage }));
console.log(JSON.stringify({ heldout: { ...heldout.report, by_language: heldout.byLanguage } }));
console.log(JSON.stringify(report));
