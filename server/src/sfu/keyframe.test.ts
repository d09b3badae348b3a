/**
 * Key-frame requests from many viewers must not become a PLI storm at the studio: studio video producers are made
 * with mediasoup's keyFrameRequestDelay (KEY_FRAME_REQUEST_DELAY_MS), which folds the requests arriving within the
 * window — here from 30 consumers on a fan-out router on another worker, through the pipe — into one.
 */
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, sleep, type TestServer } from '../testing/harness';
import { feedRtp } from '../testing/rtp-feed';
import { KEY_FRAME_REQUEST_DELAY_MS } from './media-codecs';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ mediasoupWorkers: 2 });
});
afterAll(async () => {
  await server?.close();
});

const VIEWERS = 30;

/**
 * PLIs the studio's producer sends (per simulcast stream, the most of any) while 30 piped consumers each ask for a key
 * frame, 25 ms apart; and how long that took.
 */
async function plisToStudio(keyFrameRequestDelay: number): Promise<{ plis: number; ms: number }> {
  const origin = await server.workers.createRouter();
  const edge = await server.workers.createRouter({}, new Set([origin.worker]));
  const feed = await feedRtp(origin.router, { keyFrameRequestDelay });
  try {
    expect(edge.worker).not.toBe(origin.worker);
    await origin.router.pipeToRouter({ producerId: feed.video.id, router: edge.router });
    const direct = await edge.router.createDirectTransport();
    const consumers = await Promise.all(
      Array.from({ length: VIEWERS }, () => direct.consume({ producerId: feed.video.id, rtpCapabilities: edge.router.rtpCapabilities })),
    );
    await sleep(600); // streams up, the consumers' own first requests answered
    const before = pliCounts(await feed.video.getStats());
    const t0 = performance.now();
    for (const c of consumers) {
      await c.requestKeyFrame();
      await sleep(25);
    }
    const ms = performance.now() - t0;
    await sleep(200);
    const after = pliCounts(await feed.video.getStats());
    return { plis: Math.max(...[...after].map(([ssrc, n]) => n - (before.get(ssrc) ?? 0))), ms };
  } finally {
    feed.stop();
    origin.router.close();
    edge.router.close();
  }
}

function pliCounts(stats: types.ProducerStat[]): Map<number, number> {
  return new Map(stats.map((s) => [s.ssrc, s.pliCount]));
}

describe('key-frame requests from many consumers', () => {
  it('reach the studio folded into about one PLI per delay window, not one per viewer', async () => {
    const storm = await plisToStudio(0);
    const folded = await plisToStudio(KEY_FRAME_REQUEST_DELAY_MS);
    // Without the delay every request that follows a key frame goes through (the control: the test can fail).
    expect(storm.plis).toBeGreaterThan(VIEWERS / 2);
    // The first at once, then at most one per window (and one trailing).
    expect(folded.plis).toBeGreaterThan(0);
    expect(folded.plis).toBeLessThanOrEqual(Math.ceil(folded.ms / KEY_FRAME_REQUEST_DELAY_MS) + 1);
  }, 30_000);
});
