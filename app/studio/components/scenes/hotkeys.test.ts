import { describe, expect, it } from 'vitest';
import { acceleratorMatches } from './Stage';

const ev = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('acceleratorMatches', () => {
  it('matches Electron accelerators', () => {
    expect(acceleratorMatches('CommandOrControl+1', ev('1', { ctrlKey: true }))).toBe(true);
    expect(acceleratorMatches('CommandOrControl+1', ev('1', { metaKey: true }))).toBe(true);
    expect(acceleratorMatches('CommandOrControl+1', ev('1'))).toBe(false);
    expect(acceleratorMatches('Shift+F5', ev('F5', { shiftKey: true }))).toBe(true);
    expect(acceleratorMatches('F5', ev('F5', { shiftKey: true }))).toBe(false);
    expect(acceleratorMatches('Alt+T', ev('t', { altKey: true }))).toBe(true);
  });
});
