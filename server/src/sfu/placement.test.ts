/** Viewer placement over a show's routers (sfu/fanout.ts `pickRouter`): least-loaded under the cap, origin first. */
import { describe, expect, it } from 'vitest';
import { pickRouter } from './fanout';

const r = (name: string, viewers: number, closed = false) => ({ name, viewers, closed });

describe('pickRouter', () => {
  it('keeps the origin while it is under the cap and nothing else is open', () => {
    expect(pickRouter([r('origin', 0)], 2)?.name).toBe('origin');
    expect(pickRouter([r('origin', 1)], 2)?.name).toBe('origin');
  });

  it('asks for another router once every open router is at the cap', () => {
    expect(pickRouter([r('origin', 2)], 2)).toBeNull();
    expect(pickRouter([r('origin', 2), r('a', 2)], 2)).toBeNull();
    expect(pickRouter([], 2)).toBeNull();
  });

  it('sends a viewer to the least-loaded router under the cap; a tie goes to the earlier router', () => {
    expect(pickRouter([r('origin', 2), r('a', 1), r('b', 0)], 2)?.name).toBe('b');
    expect(pickRouter([r('origin', 1), r('a', 1)], 2)?.name).toBe('origin');
    expect(pickRouter([r('origin', 5), r('a', 3), r('b', 4)], 10)?.name).toBe('a');
  });

  it('never picks a closed router (a viewer must not land on a router that closed)', () => {
    expect(pickRouter([r('origin', 1), r('a', 0, true)], 2)?.name).toBe('origin');
    expect(pickRouter([r('origin', 2), r('a', 0, true)], 2)).toBeNull();
  });

  it('5 viewers with a cap of 2 fill 3 routers: 2, 2, 1', () => {
    const routers = [r('origin', 0)];
    for (let i = 0; i < 5; i++) {
      let seat = pickRouter(routers, 2);
      if (!seat) {
        seat = r(`fanout-${routers.length}`, 0);
        routers.push(seat);
      }
      seat.viewers++;
    }
    expect(routers.map((x) => x.viewers)).toEqual([2, 2, 1]);
  });
});
