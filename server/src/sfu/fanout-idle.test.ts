/**
 * Fan-out routers' lifetime on real workers: an empty fan-out router waits the idle grace for a viewer, is reused if
 * one comes, and closes (with its pipes) once the grace passes; the origin never closes for lack of viewers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { sleep } from '../testing/harness';
import { TransportBudget } from './capacity';
import { type ShowMedia, ShowRouters } from './fanout';
import { WorkerPool } from './worker-pool';

const log = createLogger({ level: 'silent' });
let pool: WorkerPool;
beforeAll(async () => {
  pool = await WorkerPool.create({ size: 2, rtc: { listenIp: '127.0.0.1', announcedAddress: undefined, port: 0 }, log });
});
afterAll(() => pool?.close());

/** A show without a studio yet: nothing to pipe, only the routers' lifetime is exercised. */
const show: ShowMedia = {
  showId: 'idle-test',
  transportBudget: new TransportBudget({ perIp: 0, total: 100 }, log),
  isLive: true,
  mediaProducers: () => [],
  overlayProducer: () => null,
  onNewProducer: () => undefined,
  onOverlayProducer: () => undefined,
  layerCap: () => null,
  setLayerCap: async () => undefined,
};

describe('fan-out router idle grace', () => {
  it('keeps an empty fan-out router for the grace, reuses it, then closes it; never the origin', async () => {
    const origin = await pool.createRouter({ origin: true });
    const routers = new ShowRouters(show, origin.router, origin.webRtcServer, origin.worker, {
      pool,
      viewersPerRouter: 1,
      fanoutIdleMs: 300,
      log,
      onSeatLost: () => undefined,
    });
    const first = await routers.seat();
    const second = await routers.seat();
    expect(first.origin).toBe(true);
    expect(second.origin).toBe(false);
    expect(second.worker).not.toBe(origin.worker);

    routers.release(second);
    await sleep(100);
    expect(second.closed).toBe(false);
    const again = await routers.seat(); // within the grace: the same router takes the viewer
    expect(again).toBe(second);
    routers.release(again);
    routers.release(first);
    await sleep(500);
    expect(second.router.closed).toBe(true);
    expect(routers.routers).toEqual([first]);
    expect(origin.router.closed).toBe(false);

    const third = await routers.seat(); // the origin has room again
    expect(third).toBe(first);
    routers.close();
    origin.router.close();
  });
});
