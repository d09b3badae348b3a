/**
 * What the downlink guard costs the worker: requests per "auto" viewer per second, counted on the real objects
 * (mediasoup transports and consumers of viewers that are real WebRTC receivers, werift, on a real RTP feed) by
 * wrapping the methods that ask the worker. Far above the top layer's rate (the 3 Mbit/s start estimate) and near
 * it (the estimate held under it with the transport's max outgoing bitrate).
 */
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchViewer } from '../../../scripts/bench/lib/viewer-peer';
import { connectStudio, sleep, startTestServer, type TestServer } from '../testing/harness';
import { feedRtp, type RtpFeed } from '../testing/rtp-feed';
import { DOWNLINK_GUARD } from './downlink';
import { KEY_FRAME_REQUEST_DELAY_MS } from './media-codecs';

let server: TestServer;
const feeds: RtpFeed[] = [];
const viewers: BenchViewer[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(viewers.map((v) => v.close()));
  for (const f of feeds) f.stop();
  await server?.close();
});

const VIEWERS = 3;
const MEASURE_MS = 4_000;

/** Counts the calls of `obj[name]` (a method that sends the worker one request) into `counter.n`. */
function count<T extends object>(obj: T, name: keyof T & string, counter: { n: number }): void {
  const original = (obj[name] as (...args: unknown[]) => unknown).bind(obj);
  Object.assign(obj, {
    [name]: (...args: unknown[]) => {
      counter.n++;
      return original(...args);
    },
  });
}

describe('downlink guard cost', () => {
  it('asks the worker far less than four stats reads of both objects a second per viewer', async () => {
    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'Guard cost' });
    await studio.rpc.request('show.goLive', { showId: show.id });
    const room = server.rooms.get(show.id)!;
    const feed = await feedRtp(room.router, { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS });
    feeds.push(feed);
    room.studio!.producers.set(feed.video.id, feed.video);
    room.studio!.producers.set(feed.audio.id, feed.audio);

    const requests = { n: 0 };
    const transports: types.WebRtcTransport[] = [];
    room.router.observer.on('newtransport', (t) => {
      const transport = t as types.WebRtcTransport;
      transports.push(transport);
      // What the guard calls on the transport and its consumers; the producer's reads are shared by all viewers.
      count(transport, 'getStats', requests);
      count(transport, 'enableTraceEvent', requests);
      transport.observer.on('newconsumer', (c) => {
        count(c, 'getStats', requests);
        count(c, 'setPreferredLayers', requests);
      });
    });
    const shared = { n: 0 };
    count(feed.video, 'getStats', shared);

    for (let i = 0; i < VIEWERS; i++) {
      const v = new BenchViewer(i, { serverUrl: server.url, showId: show.id, quality: 'auto' });
      viewers.push(v);
      await v.start();
    }
    expect(transports).toHaveLength(VIEWERS);

    /** Requests per viewer per second, and the producer's reads per second (shared by every guard). */
    const measure = async () => {
      requests.n = 0;
      shared.n = 0;
      await sleep(MEASURE_MS);
      return { perViewer: requests.n / VIEWERS / (MEASURE_MS / 1_000), producer: shared.n / (MEASURE_MS / 1_000) };
    };
    const estimates = async () => Promise.all(transports.map(async (t) => (await t.getStats())[0]?.availableOutgoingBitrate ?? 0));

    await sleep(1_000);
    const far = await measure();
    const farEstimates = await estimates();
    const top = Math.max(...(await feed.video.getStats()).map((s) => s.bitrate));

    // Near the top layer: the estimate held at twice its rate.
    for (const t of transports) await t.setMaxOutgoingBitrate(Math.max(2 * top, 100_000));
    await sleep(1_500);
    const near = await measure();
    const nearEstimates = await estimates();

    const figures = { far, near, top, farEstimates, nearEstimates };
    console.info('downlink guard requests per viewer per second', figures);
    for (const e of farEstimates) expect(e, JSON.stringify(figures)).toBeGreaterThanOrEqual(top * DOWNLINK_GUARD.fallHeadroom);
    for (const e of nearEstimates) expect(e, JSON.stringify(figures)).toBeLessThan(top * DOWNLINK_GUARD.fallHeadroom);
    // Before: 8 (the transport's and the consumer's stats four times a second). Far: the round trip every 4 s.
    expect(far.perViewer).toBeLessThanOrEqual(0.5);
    // Near: the transport's stats with each bwe event (about one a second) and the round trip twice a second.
    expect(near.perViewer).toBeLessThanOrEqual(3.5);
    expect(near.perViewer).toBeGreaterThan(far.perViewer); // the guard does read near the top layer
    // However many viewers: at most twice a second.
    expect(Math.max(far.producer, near.producer)).toBeLessThanOrEqual(2.5);
  }, 60_000);
});
