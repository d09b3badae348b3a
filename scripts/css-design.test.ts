/**
 * The design system's rules for the stylesheets: a variant or state is a BEM modifier (`.tab--active`), never a bare
 * class chained onto a block (`.tab.active`); and a primitive lives once, in app/ui (theme.css / primitives.css), not
 * as a copy in each page's sheet. The few names still defined by two sheets are different components of pages that
 * never load together (the studio's and the viewer's top bar…): they are listed, so a new copy fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Same name, different components of different pages (or the viewer's own page-level base rules). */
const SAME_NAME_OTHER_PAGE = new Set([
  '*', // the viewer's reduced-motion override
  'body', // the viewer's 16px page type
  '.topbar',
  '.stage',
  '.dock',
  '.price',
  '.list-price',
  '.countdown',
  '.timeline',
  '.timeline-dot',
  '.show-title',
]);

const CONTROL = /^(input|select|textarea|button)\b/;

/** Whether a selector styles a form control element without naming a class of a page's own (only app/ui classes). */
function restylesControl(selector: string, shared: Set<string>): boolean {
  let outer = selector;
  while (/\([^()]*\)/.test(outer)) outer = outer.replace(/\([^()]*\)/g, '');
  const compounds = outer.split(/[\s>+~]+/).filter(Boolean);
  if (!compounds.some((c) => CONTROL.test(c))) return false;
  const classes = [...outer.matchAll(/\.([a-z][\w-]*)/gi)].map((m) => m[1]!);
  return classes.every((c) => shared.has(c));
}

function sheets(): { path: string; css: string }[] {
  const paths = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.css'], { cwd: ROOT, encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  return paths.map((path) => ({ path, css: readFileSync(resolve(ROOT, path), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '') }));
}

/** A selector list split at its own commas, not those inside `:where(a, b)` / `:not(a, b)`. */
function topLevelCommaSplit(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '(') depth++;
    else if (list[i] === ')') depth--;
    else if (list[i] === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  return [...parts, list.slice(start)];
}

/** Every selector of a sheet's rules (at-rule preludes and keyframe steps left out). */
function selectors(css: string): string[] {
  return [...css.matchAll(/([^{}]+)\{/g)]
    .map((m) => m[1]!.trim())
    .filter((s) => !s.startsWith('@') && !/^(from|to|[\d.]+%)$/.test(s))
    .flatMap((s) => topLevelCommaSplit(s).map((x) => x.trim().replace(/\s+/g, ' ')));
}

/** Classes chained onto another class in one compound selector that are not `--` modifiers (`.tab.active`). */
function bareStateClasses(selector: string): string[] {
  let outer = selector;
  // What :has() / :not() look for is a selector of its own.
  while (/\([^()]*\)/.test(outer)) outer = outer.replace(/\([^()]*\)/g, '');
  return outer
    .split(/[\s>+~]+/)
    .flatMap((compound) => [...compound.matchAll(/\.([a-z][\w-]*)/gi)].map((m) => m[1]!).slice(1))
    .filter((c) => !c.includes('--'));
}

describe('design system rules', () => {
  it('finds bare state classes but not modifiers or element-qualified classes', () => {
    expect(bareStateClasses('.tab.active')).toEqual(['active']);
    expect(bareStateClasses('.product-card.expanded .buy')).toEqual(['expanded']);
    expect(bareStateClasses('.tab--active')).toEqual([]);
    expect(bareStateClasses('.field--touch.field--invalid input')).toEqual([]);
    expect(bareStateClasses('a.primary-button')).toEqual([]);
    expect(bareStateClasses('.host:has(.fill:not([hidden])) .video')).toEqual([]);
  });

  it('finds a page rule that restyles a form control, but not one scoped to a region of the page', () => {
    const shared = new Set(['lang-switch', 'field', 'input']);
    expect(restylesControl('input[type="text"]', shared)).toBe(true);
    expect(restylesControl('select:focus', shared)).toBe(true);
    expect(restylesControl('textarea', shared)).toBe(true);
    expect(restylesControl('.lang-switch select', shared)).toBe(true);
    expect(restylesControl('.field input:not(.x)', shared)).toBe(true);
    expect(restylesControl('.bulk-row input', shared)).toBe(false);
    expect(restylesControl('button.chat-name', shared)).toBe(false);
    expect(restylesControl('.input', shared)).toBe(false);
    expect(restylesControl('.inputs-row', shared)).toBe(false);
  });

  it('a variant of a shared block lives with the block: page sheets invent no modifier of an app/ui block', () => {
    const all = sheets();
    const isShared = (path: string) => path.startsWith('app/ui/');
    const shared = new Set(all.filter((s) => isShared(s.path)).flatMap((s) => [...s.css.matchAll(/\.([a-z][\w-]*)/gi)].map((m) => m[1]!)));
    const invented = (m: RegExpMatchArray) => shared.has(m[1]!) && !shared.has(m[0].slice(1));
    const bad = all
      .filter((s) => !isShared(s.path))
      .flatMap(({ path, css }) => {
        const modifiers = selectors(css).flatMap((sel) => [...sel.matchAll(/\.([a-z][\w-]*)--[\w-]+/gi)].filter(invented).map((m) => m[0]));
        return [...new Set(modifiers)].map((modifier) => `${path}: ${modifier}`);
      });
    expect(bad).toEqual([]);
  });

  it('page sheets hold layout: no page rule restyles a form control', () => {
    const all = sheets();
    const isShared = (path: string) => path.startsWith('app/ui/');
    const shared = new Set(all.filter((s) => isShared(s.path)).flatMap((s) => [...s.css.matchAll(/\.([a-z][\w-]*)/gi)].map((m) => m[1]!)));
    const bad = all
      .filter((s) => !isShared(s.path))
      .flatMap(({ path, css }) =>
        selectors(css)
          .filter((s) => restylesControl(s, shared))
          .map((s) => `${path}: ${s}`),
      );
    expect(bad).toEqual([]);
  });

  it('states and variants are BEM modifiers', () => {
    const bad = sheets().flatMap(({ path, css }) =>
      selectors(css)
        .filter((s) => bareStateClasses(s).length > 0)
        .map((s) => `${path}: ${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('a selector is defined by one sheet, except listed same-name components of other pages', () => {
    const where = new Map<string, string[]>();
    for (const { path, css } of sheets()) {
      for (const s of new Set(selectors(css))) where.set(s, [...(where.get(s) ?? []), path]);
    }
    const copies = [...where]
      .filter(([s, paths]) => paths.length > 1 && !SAME_NAME_OTHER_PAGE.has(s))
      .map(([s, p]) => `${s}: ${p.join(', ')}`);
    expect(copies).toEqual([]);
  });
});
