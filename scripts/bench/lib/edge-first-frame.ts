/**
 * bench:scale's edge phase: first frame through an edge node. A real redis-server and two server processes in cluster
 * mode on loopback; the studio (headless Chromium) publishes to the origin; werift viewers are placed on the edge
 * (`GET /api/shows/:id/placement?avoid=<origin>`) one after another and each reports the time from its start
 * (signaling connect, join with the placement token, transport, consume) to its first video packet. mediasoup's
 * simulcast consumer forwards nothing before a key frame, so the first packet is the start of a decodable picture. The
 * first join also pays for the cross-node pipe; later joins reuse it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Placement } from '../../../shared/protocol/cluster';
import { freeLoopbackPort, startTestRedis, type TestRedis } from '../../../server/src/cluster/testing';
import { waitForPublisherRamp } from './ready';
import { type ServerProcess, startServerProcess } from './server-process';
import { type StudioPublisher, startStudioPublisher } from './studio-publisher';
import { BenchViewer } from './viewer-peer';

const ORIGIN = 'origin';
const EDGE = 'edge';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EdgeResult {
  joins: number;
  firstFrameMs: number[];
  /** The first join, which also opened the pipe from the origin. */
  firstJoinMs: number | null;
}

async function placeOnEdge(origin: ServerProcess, showId: string): Promise<Placement> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${origin.url}/api/shows/${showId}/placement?avoid=${ORIGIN}`);
    if (res.ok) {
      const p = (await res.json()) as Placement;
      if (p.node === EDGE) return p;
    }
    if (Date.now() > deadline) throw new Error(`no placement on the edge within 15 s (last: ${res.status})`);
    await sleep(200);
  }
}

async function firstVideo(v: BenchViewer, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = v.snapshot();
    if (s.firstVideoMs !== null) return s.firstVideoMs;
    if (s.error) throw new Error(`edge viewer: ${s.error}`);
    if (Date.now() > deadline) throw new Error(`edge viewer: no video within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export async function edgeFirstFrames(opts: { joins: number; webDir: string; log: (line: string) => void }): Promise<EdgeResult> {
  const { log } = opts;
  let redis: TestRedis | null = null;
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  let publisher: StudioPublisher | null = null;
  const firstFrameMs: number[] = [];
  try {
    redis = await startTestRedis();
    const secret = randomBytes(24).toString('hex');
    for (const id of [ORIGIN, EDGE]) {
      const port = await freeLoopbackPort();
      const dataDir = mkdtempSync(join(tmpdir(), `storecast-scale-${id}-`));
      dirs.push(dataDir);
      Object.assign(process.env, {
        MEDIASOUP_WORKERS: '1',
        PORT: String(port),
        REDIS_URL: redis.url,
        NODE_ID: id,
        NODE_PUBLIC_URL: `http://127.0.0.1:${port}`,
        CLUSTER_SECRET: secret,
      });
      servers.push(await startServerProcess({ dataDir, webDir: opts.webDir, log: (l) => log(`${id}: ${l}`) }));
    }
    for (const k of ['PORT', 'REDIS_URL', 'NODE_ID', 'NODE_PUBLIC_URL', 'CLUSTER_SECRET']) delete process.env[k];
    const [origin, edge] = servers as [ServerProcess, ServerProcess];
    log(`edge: redis ${redis.url}, origin ${origin.url}, edge ${edge.url}`);
    publisher = await startStudioPublisher({
      serverUrl: origin.url,
      dataDir: dirs[0]!,
      webDir: opts.webDir,
      title: 'Scale bench (edge)',
      log,
    });
    await waitForPublisherRamp(publisher, 20_000, log);
    for (let i = 0; i < opts.joins; i++) {
      const p = await placeOnEdge(origin, publisher.showId);
      const v = new BenchViewer(10_000 + i, { serverUrl: edge.url, showId: publisher.showId, quality: 'auto', placement: p.token });
      try {
        await v.start();
        firstFrameMs.push(await firstVideo(v, 15_000));
      } finally {
        await v.close();
      }
      // A fresh join each time, not a burst: what one buyer tapping the link sees.
      await sleep(300);
    }
    log(`edge: first video packet via the edge (ms): ${firstFrameMs.join(', ')}`);
    return { joins: opts.joins, firstFrameMs, firstJoinMs: firstFrameMs[0] ?? null };
  } finally {
    await publisher?.close().catch((e) => log(`publisher close: ${e}`));
    for (const s of servers.reverse()) await s.stop().catch((e) => log(`server stop: ${e}`));
    await redis?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
