import { describe, expect, it } from 'vitest';
import { RETURN_MAX_MS, RETURN_MIN_MS, returnDelay } from './webrtc-return';

describe('returnDelay', () => {
  it('tries again after 15–30 s first, half again later per refused try, never past the cap', () => {
    expect(returnDelay(0, () => 0)).toBe(RETURN_MIN_MS);
    expect(returnDelay(0, () => 0.999)).toBeLessThan(2 * RETURN_MIN_MS);
    expect(returnDelay(1, () => 0)).toBe(1.5 * RETURN_MIN_MS);
    expect(returnDelay(20, () => 0.999)).toBeLessThanOrEqual(RETURN_MAX_MS);
    expect(returnDelay(20, () => 0)).toBe(RETURN_MAX_MS / 2);
  });
});
