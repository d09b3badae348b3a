import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateSessionSecret, loadOrCreateStudioToken, SESSION_SECRET_FILE, studioTokenPath, tokensEqual } from './studio-token';

const dir = mkdtempSync(join(tmpdir(), 'storecast-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('studio token', () => {
  it('is created once with mode 0600 and read back afterwards', () => {
    const data = join(dir, 'a', 'nested');
    const t1 = loadOrCreateStudioToken(data);
    expect(t1).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(studioTokenPath(data)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateStudioToken(data)).toBe(t1);
    expect(readFileSync(studioTokenPath(data), 'utf8').trim()).toBe(t1);
    expect(loadOrCreateStudioToken(join(dir, 'other'))).not.toBe(t1);
  });

  it('tightens a too-open file and refuses an unusable one', () => {
    const data = join(dir, 'b');
    loadOrCreateStudioToken(data);
    writeFileSync(studioTokenPath(data), 'a-hand-written-token-1234\n', { mode: 0o644 });
    expect(loadOrCreateStudioToken(data)).toBe('a-hand-written-token-1234');
    expect(statSync(studioTokenPath(data)).mode & 0o777).toBe(0o600);
    writeFileSync(studioTokenPath(data), 'short');
    expect(() => loadOrCreateStudioToken(data)).toThrow(/valid studio token/);
  });

  it('compares tokens exactly', () => {
    expect(tokensEqual('abcdefghijklmnop', 'abcdefghijklmnop')).toBe(true);
    expect(tokensEqual('abcdefghijklmnop', 'abcdefghijklmnoq')).toBe(false);
    expect(tokensEqual('abc', 'abcdefghijklmnop')).toBe(false);
    expect(tokensEqual('', '')).toBe(true);
  });
});

describe('session secret', () => {
  it('is kept per data dir unless SESSION_SECRET gives every node the same key (and then no file is written)', () => {
    const [a, b] = [join(dir, 'node-a'), join(dir, 'node-b')];
    const own = loadOrCreateSessionSecret(a);
    expect(own).toHaveLength(32);
    expect(loadOrCreateSessionSecret(a).equals(own)).toBe(true);
    expect(loadOrCreateSessionSecret(b).equals(own)).toBe(false);
    const shared = 'one-session-secret-for-every-node-0123456789';
    const ka = loadOrCreateSessionSecret(join(dir, 'node-c'), shared);
    const kb = loadOrCreateSessionSecret(join(dir, 'node-d'), shared);
    expect(ka.equals(kb)).toBe(true);
    expect(ka).toHaveLength(32);
    expect(ka.equals(own)).toBe(false);
    expect(loadOrCreateSessionSecret(join(dir, 'node-c'), `${shared}!`).equals(ka)).toBe(false);
    expect(existsSync(join(dir, 'node-c', SESSION_SECRET_FILE))).toBe(false);
  });
});
