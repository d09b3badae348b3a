/**
 * The shop's answer settings, owner-edited in `<dataDir>/answers.json` and re-read when the file changes (checked at
 * most once a second), so an edit applies to the next question without a restart:
 *
 *   { "policies": { "shipping": { "zh": "…", "en": "…" }, "returns": {…}, "warranty": {…} },
 *     "synonyms": [["尺寸", "多长", "size"], …] }
 *
 * A missing file means no shop policies and the built-in synonyms; a broken file keeps the last good settings and is
 * reported once per change.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';

const Localized = z.object({ zh: z.string().trim().min(1).max(1000), en: z.string().trim().min(1).max(1000) }).partial();
export const AnswerSettings = z.object({
  policies: z.object({ shipping: Localized, returns: Localized, warranty: Localized }).partial().default({}),
  synonyms: z
    .array(z.array(z.string().trim().min(1).max(40)).min(1).max(50))
    .max(500)
    .default([]),
});
export type AnswerSettings = z.infer<typeof AnswerSettings>;

export const EMPTY_SETTINGS: AnswerSettings = { policies: {}, synonyms: [] };

export class AnswerSettingsFile {
  private current: AnswerSettings = EMPTY_SETTINGS;
  private stamp = '';
  private checkedAt = -Infinity;
  constructor(
    private readonly path: string | null,
    private readonly onError: (msg: string) => void = () => {},
    private readonly clock: () => number = Date.now,
  ) {}

  get(): AnswerSettings {
    if (!this.path) return this.current;
    const now = this.clock();
    if (now - this.checkedAt < 1000) return this.current;
    this.checkedAt = now;
    let stamp = 'missing';
    try {
      const st = statSync(this.path);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {}
    if (stamp === this.stamp) return this.current;
    this.stamp = stamp;
    if (stamp === 'missing') {
      this.current = EMPTY_SETTINGS;
      return this.current;
    }
    try {
      this.current = AnswerSettings.parse(JSON.parse(readFileSync(this.path, 'utf8')));
    } catch (err) {
      this.onError(`answers settings ${this.path} ignored: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
    }
    return this.current;
  }
}
