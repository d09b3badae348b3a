/**
 * Red-packet split: `total` minor units into `count` random shares, every share ≥ 1 and the sum exactly `total`.
 *
 * "Double mean": while L shares remain with R units left, the next share is uniform in [1, min(⌊2R/L⌋, R − (L − 1))]
 * (mean ≈ R/L, and enough stays behind for one unit each); the last share takes the rest. The shares are then shuffled
 * so a claimer's position does not change the odds. `randomInt(n)` must return a uniform integer in [0, n): the server
 * passes node:crypto's randomInt.
 */
export const MAX_RED_PACKET_SHARES = 1000;

export function splitAmount(total: number, count: number, randomInt: (maxExclusive: number) => number): number[] {
  if (!Number.isSafeInteger(total) || !Number.isInteger(count) || count < 1 || count > MAX_RED_PACKET_SHARES) {
    throw new RangeError('total must be a safe integer and count an integer in [1, 1000]');
  }
  if (total < count) throw new RangeError('total must be at least one minor unit per share');
  const shares: number[] = [];
  let left = total;
  for (let remaining = count; remaining > 1; remaining--) {
    const hi = Math.min(Math.floor((2 * left) / remaining), left - (remaining - 1));
    const share = 1 + randomInt(hi);
    shares.push(share);
    left -= share;
  }
  shares.push(left);
  for (let i = shares.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = shares[i]!;
    shares[i] = shares[j]!;
    shares[j] = t;
  }
  return shares;
}
