import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineFn, demoFixture, type EvalFixture, loadEvalSet, runEval, suggesterFn } from './eval';

let fx: EvalFixture;
beforeAll(async () => {
  fx = await demoFixture();
});
afterAll(() => fx?.close());

describe('answer evaluation (scripts/eval/answers.questions.json over the demo catalog)', () => {
  const rows = loadEvalSet();

  it('is a labelled set of at least 150 questions: zh, en, mixed, and at least 20 unanswerable', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(rows.filter((r) => r[3] === 'none').length).toBeGreaterThanOrEqual(20);
    for (const l of ['zh', 'en', 'mixed']) expect(rows.filter((r) => r[1] === l).length).toBeGreaterThan(0);
  });

  it('meets the targets: top-3 ≥ 0.85 in zh and en, false suggestions ≤ 0.10, automatic replies ≥ 0.95 precise, p95 ≤ 50 ms', () => {
    const suggest = suggesterFn(fx);
    suggest('预热', null);
    const { report, byLanguage, misses } = runEval(rows, fx, suggest, 1);
    expect(report.top3, misses.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(report.top1).toBeGreaterThanOrEqual(0.9);
    expect(byLanguage.zh!.top3).toBeGreaterThanOrEqual(0.85);
    expect(byLanguage.en!.top3).toBeGreaterThanOrEqual(0.85);
    expect(report.false_suggestion_rate, misses.join('\n')).toBeLessThanOrEqual(0.05);
    expect(report.auto_precision).toBeGreaterThanOrEqual(0.95);
    expect(report.auto_coverage).toBeGreaterThanOrEqual(0.6);
    expect(report.p95_ms).toBeLessThanOrEqual(50);
  });

  it('the former BM25 suggester misses the targets on the same set (the set can fail)', () => {
    const { report, byLanguage } = runEval(rows, fx, baselineFn(fx), 1);
    expect(report.top3).toBeLessThan(0.85);
    expect(byLanguage.en!.top3).toBeLessThan(0.1);
    expect(report.false_suggestion_rate).toBeGreaterThan(0.1);
  });
});
