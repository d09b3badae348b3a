/**
 * Colours come only as tokens: app/ui/theme.css is the one sheet that writes a colour (hex, rgb(), hsl(), a named
 * colour); every other sheet uses var(--token), or color-mix() of a token for a translucent shade.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const THEME = 'app/ui/theme.css';
const NAMED =
  'white|black|red|green|blue|yellow|orange|gray|grey|pink|purple|gold|silver|navy|teal|maroon|olive|lime|aqua|fuchsia|crimson|tomato|coral';

/** The colour literals of a sheet's declarations (comments skipped), with their line numbers. */
function colourLiterals(css: string): string[] {
  const found: string[] = [];
  const code = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  code.split('\n').forEach((line, i) => {
    const value = line.includes(':') ? line.slice(line.indexOf(':') + 1) : line;
    const hits = [
      ...(line.match(/#[0-9a-fA-F]{3,8}\b(?![^{]*\{)/g) ?? []),
      // A name's hue computed from data (`hsl(var(--hue) …)`) is not a literal.
      ...(line.match(/\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\((?!\s*var\()/gi) ?? []),
      ...(/\{\s*$/.test(line) ? [] : (value.match(new RegExp(`(?<![\\w-])(?:${NAMED})(?![\\w-])`, 'gi')) ?? [])),
    ];
    for (const h of hits) found.push(`${i + 1}: ${h}`);
  });
  return found;
}

describe('colours only as tokens', () => {
  it('finds hex, rgb() and named colours, not tokens, keywords or selectors', () => {
    const sheet = [
      '.a { color: #fff; background: rgba(0, 0, 0, 0.5); }',
      '.b { border: 1px solid white; }',
      '.c { color: var(--text); background: color-mix(in srgb, var(--black) 50%, transparent); }',
      '.d { color: hsl(var(--hue) 95% 62%); white-space: nowrap; }',
      '#root, .e { border-color: currentColor; }',
      '/* #abc in a comment */',
    ].join('\n');
    expect(colourLiterals(sheet)).toEqual(['1: #fff', '1: rgba(', '2: white']);
  });

  it('no stylesheet but the theme writes a colour', () => {
    const sheets = spawnSync('git', ['ls-files', '*.css'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(sheets).toContain(THEME);
    const offences = sheets
      .filter((s) => s !== THEME)
      .flatMap((s) => colourLiterals(readFileSync(resolve(ROOT, s), 'utf8')).map((l) => `${s}:${l}`));
    expect(offences).toEqual([]);
  });
});
