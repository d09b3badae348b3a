/**
 * Auditable draws (lucky bags, danmaku lotteries): pure and deterministic so anyone can re-run them.
 *
 * Protocol:
 *  1. At start the server picks a random 32-byte `seed` and publishes only `commitment = hex(SHA-256(seed bytes))`.
 *  2. Entrants are public user ids. At the end the list is made canonical: duplicates removed, sorted by UTF-16 code
 *     units (plain `<`), and fingerprinted as `entriesHash = hex(SHA-256(UTF-8(ids joined by "\n")))`.
 *  3. Winners = the first `count` positions of a partial Fisher–Yates shuffle of the canonical list driven by a byte
 *     stream: block i = SHA-256(seed bytes ‖ UTF-8(":draw:" + i)), i = 0, 1, …; each uniform index in [0, m) reads
 *     big-endian uint32 values x from the stream and keeps the first with x < 2^32 − (2^32 mod m) (no modulo bias),
 *     returning x mod m. Step k (k = 0 … count−1) swaps position k with k + uniform(n − k).
 *  4. The seed is revealed with the winners: SHA-256(seed) must equal the commitment published before any entry.
 *
 * The seed is fixed before anybody enters and the order of entry does not matter (the list is sorted), so neither the
 * operator nor an entrant can steer the result after the commitment without it showing.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export const SEED_HEX = /^[0-9a-f]{64}$/;
export const HASH_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** hex(SHA-256(seed bytes)) — what is published at the start. */
export function commitmentOf(seedHex: string): string {
  if (!SEED_HEX.test(seedHex)) throw new Error('seed must be 64 lowercase hex digits');
  return sha256Hex(hexToBytes(seedHex));
}

/** True when the revealed seed matches the published commitment. */
export function verifyCommitment(seedHex: string, commitment: string): boolean {
  return SEED_HEX.test(seedHex) && commitmentOf(seedHex) === commitment;
}

/** Deduplicated, sorted entrant list (the order a draw uses). */
export function canonicalEntrants(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Fingerprint of the canonical entrant list. */
export function entriesHash(ids: readonly string[]): string {
  return sha256Hex(utf8ToBytes(canonicalEntrants(ids).join('\n')));
}

/** Deterministic uint32 stream from a seed (SHA-256 counter mode). */
export class SeedStream {
  private readonly seed: Uint8Array;
  private block = new Uint8Array(0);
  private pos = 0;
  private counter = 0;

  constructor(seedHex: string) {
    if (!SEED_HEX.test(seedHex)) throw new Error('seed must be 64 lowercase hex digits');
    this.seed = hexToBytes(seedHex);
  }

  nextUint32(): number {
    if (this.pos + 4 > this.block.length) {
      this.block = sha256(concatBytes(this.seed, utf8ToBytes(`:draw:${this.counter++}`)));
      this.pos = 0;
    }
    const b = this.block;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** Uniform integer in [0, m) by rejection sampling. */
  uniform(m: number): number {
    if (!Number.isInteger(m) || m < 1 || m > 2 ** 32) throw new Error('range must be an integer in [1, 2^32]');
    const limit = 2 ** 32 - (2 ** 32 % m);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % m;
    }
  }
}

/** The winners (in draw order) of `count` among `entrants` for `seedHex`. Same inputs → same winners, everywhere. */
export function drawWinners(seedHex: string, entrants: readonly string[], count: number): string[] {
  const list = canonicalEntrants(entrants);
  const k = Math.max(0, Math.min(Math.floor(count), list.length));
  const rng = new SeedStream(seedHex);
  for (let i = 0; i < k; i++) {
    const j = i + rng.uniform(list.length - i);
    const t = list[i]!;
    list[i] = list[j]!;
    list[j] = t;
  }
  return list.slice(0, k);
}

/** Result of re-running a published draw. */
export interface DrawCheck {
  commitmentOk: boolean;
  entriesOk: boolean;
  winnersOk: boolean;
  /** Winners the re-run produced. */
  winners: string[];
}

/** Re-run a published draw: commitment, entrant fingerprint and winners must all match. */
export function verifyDraw(input: {
  seed: string;
  commitment: string;
  entrants: readonly string[];
  entriesHash: string;
  winnerCount: number;
  winners: readonly string[];
}): DrawCheck {
  const commitmentOk = verifyCommitment(input.seed, input.commitment);
  const entriesOk = entriesHash(input.entrants) === input.entriesHash;
  const winners = SEED_HEX.test(input.seed) ? drawWinners(input.seed, input.entrants, input.winnerCount) : [];
  const winnersOk = winners.length === input.winners.length && winners.every((w, i) => w === input.winners[i]);
  return { commitmentOk, entriesOk, winnersOk, winners };
}

/**
 * Keyword eligibility: the keyword appears in the chat text after both are normalised (NFKC, lower case, whitespace
 * removed), so "Ｌｕｃｋｙ" and "l u c k y" match "lucky".
 */
export function normaliseKeyword(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
}

export function matchesKeyword(text: string, keyword: string): boolean {
  const k = normaliseKeyword(keyword);
  return k.length > 0 && normaliseKeyword(text).includes(k);
}
