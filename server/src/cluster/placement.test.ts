/** Placement across nodes (pure), the placement token (forged, expired, another node's or show's) and the CPU share. */
import { describe, expect, it } from 'vitest';
import type { NodeRecord } from '../../../shared/protocol/cluster';
import { RpcError } from '../../../shared/protocol/rpc';
import { cpuSampler } from './node';
import { CPU_THRESHOLD, choosePlacement, signPlacement, verifyPlacement } from './placement';

const node = (nodeId: string, transports: number, shows: string[] = [], cpu = 0.1, maxTransports = 100): NodeRecord => ({
  nodeId,
  instance: 'instance-0001',
  publicUrl: `http://${nodeId}.example:8080`,
  wsUrl: `ws://${nodeId}.example:8080/ws/signaling`,
  load: { viewers: transports, transports, maxTransports, cpu },
  shows,
  updatedAt: 0,
});

describe('choosePlacement', () => {
  it('takes the least-loaded node when nobody carries the show', () => {
    expect(choosePlacement([node('a', 50), node('b', 10), node('c', 30)], 'show-1')?.nodeId).toBe('b');
  });

  it('prefers a node already carrying the show over a less-loaded one', () => {
    expect(choosePlacement([node('a', 50, ['show-1']), node('b', 10), node('c', 60, ['show-1'])], 'show-1')?.nodeId).toBe('a');
  });

  it('skips nodes over the load threshold, also when they carry the show', () => {
    expect(choosePlacement([node('a', 95, ['show-1']), node('b', 40)], 'show-1')?.nodeId).toBe('b');
    expect(choosePlacement([node('a', 10, ['show-1'], 0.95), node('b', 40)], 'show-1')?.nodeId).toBe('b');
  });

  it('answers null when every node is over the threshold, or there is none', () => {
    expect(choosePlacement([node('a', 90), node('b', 99)], 'show-1')).toBeNull();
    expect(choosePlacement([], 'show-1')).toBeNull();
  });

  it('compares nodes of different sizes by share of their capacity; a tie goes to the first id', () => {
    expect(choosePlacement([node('a', 50, [], 0, 100), node('b', 100, [], 0, 1000)], 'x')?.nodeId).toBe('b');
    expect(choosePlacement([node('b', 10), node('a', 10)], 'x')?.nodeId).toBe('a');
  });
});

describe('placement token', () => {
  const secret = 'test-secret-0123456789';
  const now = 1_700_000_000_000;
  const token = signPlacement(secret, 'show-1', 'node-b', now + 60_000);
  const refusal = (fn: () => void): string => {
    try {
      fn();
    } catch (err) {
      if (err instanceof RpcError) return err.code;
      throw err;
    }
    return 'accepted';
  };

  it('is accepted for its show on its node before it expires', () => {
    expect(refusal(() => verifyPlacement(secret, token, 'show-1', 'node-b', now))).toBe('accepted');
  });

  it('is refused on another node, for another show, or signed with another secret', () => {
    expect(refusal(() => verifyPlacement(secret, token, 'show-1', 'node-c', now))).toBe('UNAUTHORIZED');
    expect(refusal(() => verifyPlacement(secret, token, 'show-2', 'node-b', now))).toBe('UNAUTHORIZED');
    expect(refusal(() => verifyPlacement('another-secret-0123456', token, 'show-1', 'node-b', now))).toBe('UNAUTHORIZED');
  });

  it('is refused once expired, and an extended expiry breaks the signature', () => {
    expect(refusal(() => verifyPlacement(secret, token, 'show-1', 'node-b', now + 60_000))).toBe('UNAUTHORIZED');
    const [, sig] = token.split('.');
    expect(refusal(() => verifyPlacement(secret, `${now + 3_600_000}.${sig}`, 'show-1', 'node-b', now + 61_000))).toBe('UNAUTHORIZED');
  });

  it('refuses a missing token (UNAUTHORIZED) and garbage (BAD_REQUEST)', () => {
    expect(refusal(() => verifyPlacement(secret, undefined, 'show-1', 'node-b', now))).toBe('UNAUTHORIZED');
    expect(refusal(() => verifyPlacement(secret, 'not-a-token', 'show-1', 'node-b', now))).toBe('BAD_REQUEST');
    expect(refusal(() => verifyPlacement(secret, `${now + 1}.${'A'.repeat(43)}`, 'show-1', 'node-b', now))).toBe('UNAUTHORIZED');
  });
});

describe('cpuSampler', () => {
  /** A fake clock and CPU counter: `run(seconds, share)` advances both as if the process used `share` of a core. */
  function fake() {
    let t = 0;
    let cpuUs = 0;
    const usage = (prev?: NodeJS.CpuUsage): NodeJS.CpuUsage => ({ user: cpuUs - (prev?.user ?? 0), system: 0 });
    const sample = cpuSampler(() => t, usage);
    return {
      run(seconds: number, share: number): number {
        let v = 0;
        for (let i = 0; i < seconds; i++) {
          t += 1000;
          cpuUs += share * 1e6;
          v = sample();
        }
        return v;
      },
    };
  }

  it('one busy second (a start-up) keeps the node under the placement threshold', () => {
    const f = fake();
    expect(f.run(1, 1)).toBeLessThan(CPU_THRESHOLD);
    expect(f.run(2, 0.1)).toBeLessThan(0.3);
  });

  it('a sustained full core crosses the threshold within seconds and falls back when the load goes', () => {
    const f = fake();
    expect(f.run(15, 1)).toBeGreaterThanOrEqual(CPU_THRESHOLD);
    expect(f.run(15, 0.2)).toBeLessThan(0.3);
  });
});
