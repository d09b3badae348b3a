import { describe, expect, it } from 'vitest';
import {
  canonicalEntrants,
  commitmentOf,
  drawWinners,
  entriesHash,
  matchesKeyword,
  SeedStream,
  verifyCommitment,
  verifyDraw,
} from './draw';

const SEED = '0f'.repeat(32);
const OTHER = 'a1'.repeat(32);
const users = (n: number) => Array.from({ length: n }, (_, i) => `u_user${String(i).padStart(6, '0')}`);

describe('commit–reveal draw', () => {
  it('commitment is SHA-256 of the seed bytes (known vector)', () => {
    // SHA-256 of 32 zero bytes.
    expect(commitmentOf('00'.repeat(32))).toBe('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925');
    expect(verifyCommitment(SEED, commitmentOf(SEED))).toBe(true);
    expect(verifyCommitment(OTHER, commitmentOf(SEED))).toBe(false);
    expect(() => commitmentOf('xyz')).toThrow();
  });

  it('same seed and entrants give the same winners, whatever the entry order or duplicates', () => {
    const list = users(500);
    const a = drawWinners(SEED, list, 10);
    const shuffled = [...list].reverse().concat(list.slice(0, 50));
    expect(drawWinners(SEED, shuffled, 10)).toEqual(a);
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    for (const w of a) expect(list).toContain(w);
    // Pinned output: the algorithm is a published protocol, a change must be deliberate.
    expect(drawWinners(SEED, users(20), 3)).toMatchInlineSnapshot(`
      [
        "u_user000009",
        "u_user000007",
        "u_user000012",
      ]
    `);
  });

  it('a different seed gives a different draw; count is capped by the entrants', () => {
    const list = users(500);
    expect(drawWinners(OTHER, list, 10)).not.toEqual(drawWinners(SEED, list, 10));
    expect(drawWinners(SEED, users(3), 10)).toHaveLength(3);
    expect(drawWinners(SEED, [], 5)).toEqual([]);
  });

  it('is close to uniform (each of 10 entrants wins ~1/10 of single-winner draws over many seeds)', () => {
    const list = users(10);
    const wins = new Map<string, number>();
    const N = 4000;
    for (let i = 0; i < N; i++) {
      const seed = commitmentOf(i.toString(16).padStart(64, '0'));
      const [w] = drawWinners(seed, list, 1);
      wins.set(w!, (wins.get(w!) ?? 0) + 1);
    }
    for (const u of list) {
      const share = (wins.get(u) ?? 0) / N;
      expect(share).toBeGreaterThan(0.08);
      expect(share).toBeLessThan(0.12);
    }
  });

  it('uniform() rejects biased values and stays in range', () => {
    const s = new SeedStream(SEED);
    for (const m of [1, 2, 3, 7, 1000, 2 ** 31 + 1]) {
      for (let i = 0; i < 50; i++) {
        const x = s.uniform(m);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(m);
      }
    }
    expect(() => s.uniform(0)).toThrow();
  });

  it('verifyDraw re-runs a published draw and spots tampering', () => {
    const list = users(40);
    const winners = drawWinners(SEED, list, 4);
    const published = {
      seed: SEED,
      commitment: commitmentOf(SEED),
      entrants: canonicalEntrants(list),
      entriesHash: entriesHash(list),
      winnerCount: 4,
      winners,
    };
    expect(verifyDraw(published)).toMatchObject({ commitmentOk: true, entriesOk: true, winnersOk: true });
    expect(verifyDraw({ ...published, seed: OTHER }).commitmentOk).toBe(false);
    expect(verifyDraw({ ...published, entrants: [...list, 'u_sneaky0001'] }).entriesOk).toBe(false);
    expect(verifyDraw({ ...published, winners: [...winners].reverse() }).winnersOk).toBe(false);
  });
});

describe('keyword eligibility', () => {
  it('matches after NFKC, case folding and whitespace removal', () => {
    expect(matchesKeyword('I want the LUCKY bag', 'lucky')).toBe(true);
    expect(matchesKeyword('ｌｕｃｋｙ!!', 'Lucky')).toBe(true);
    expect(matchesKeyword('l u c k y', 'lucky')).toBe(true);
    expect(matchesKeyword('我要福袋', '福袋')).toBe(true);
    expect(matchesKeyword('unlucky', 'lucky')).toBe(true);
    expect(matchesKeyword('luck', 'lucky')).toBe(false);
    expect(matchesKeyword('anything', '  ')).toBe(false);
  });
});
