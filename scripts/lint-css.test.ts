/**
 * `npm run lint` covers the stylesheets: a rule left without its closing brace (which once swallowed every later rule
 * of a page's sheet) fails the lint, and every sheet of the project parses.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');
const dir = mkdtempSync(join(ROOT, '.lint-css-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lint(...paths: string[]): { status: number | null; out: string } {
  const r = spawnSync(BIOME, ['lint', '--config-path=scripts/biome.json', ...paths], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('CSS lint', () => {
  it('fails on a rule without its closing brace', () => {
    const file = join(dir, 'broken.css');
    writeFileSync(file, '.card { color: red;\n.price { color: blue; }\n');
    const r = lint(file);
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toMatch(/broken\.css:\d+:\d+ parse/);
  });

  it('passes every stylesheet of the app', () => {
    const sheets = spawnSync('git', ['ls-files', '*.css'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(sheets.length).toBeGreaterThan(3);
    const r = lint(...sheets);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(new RegExp(`Checked ${sheets.length} files`));
  });
});
