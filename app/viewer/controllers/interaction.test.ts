import { describe, expect, it } from 'vitest';
import { parseDanmakuPref } from './interaction';

describe('interaction preferences', () => {
  it('reads the saved danmaku choice and ignores anything else', () => {
    expect(parseDanmakuPref('off')).toEqual({ enabled: false });
    expect(parseDanmakuPref('high')).toEqual({ enabled: true, density: 'high' });
    expect(parseDanmakuPref('<script>')).toBeNull();
    expect(parseDanmakuPref(null)).toBeNull();
  });
});
