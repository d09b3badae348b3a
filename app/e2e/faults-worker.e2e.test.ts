/**
 * A mediasoup worker killed (SIGKILL) mid-show: its viewers are back by themselves, within 3 s on an idle machine. The show runs on two workers with one
 * viewer per router (SFU_VIEWERS_PER_ROUTER = 1), so viewer A sits on the origin router and viewer B on a fan-out
 * router on the other worker. Measured from the pages: presented frames (requestVideoFrameCallback through the
 * viewer's test handle), on the wall clock the test shares with them.
 */
import { appendFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouterSeat } from '../../server/src/sfu/fanout';
import { FRAME_LOG_SCRIPT, framesSince, openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

/**
 * The targets — a killed worker's viewers present frames again within 3 s, and the viewer on the surviving
 * worker never stops — are checked by `npm run bench:faults` on an idle machine, from the figures these tests report.
 * In `npm test` the browser shares two cores with the unit tests running beside it (measured at load average 11: a
 * fan-out viewer back after 2.5 s, the origin's after 3.5 s, a 1 s pause of the surviving viewer's frames; CI once saw
 * 4.3 s), so the bounds here prove recovery without a manual step and no outage for the viewer left alone.
 */
const BACK_WITHIN_MS = 10_000;
const UNTOUCHED_GAP_MS = 2_500;
/** A pause between presented frames longer than this is the outage (30 fps leaves ~33 ms between frames). */
const OUTAGE_GAP_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `npm run bench:faults` sets FAULTS_REPORT to a file: each test appends its figures there as one JSON line. */
function report(figures: { scenario: 'fanout' | 'origin'; backMs: number; untouchedGapMs?: number }): void {
  const file = process.env.FAULTS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
}

async function waitFrames(page: Page, since: number, n: number, timeoutMs: number): Promise<number[]> {
  return poll(
    `${n} frames after ${new Date(since).toISOString()}`,
    async () => {
      const f = await framesSince(page, since);
      return f.length >= n ? f : null;
    },
    timeoutMs,
    50,
  );
}

/** When frames resumed after the outage that began at `killedAt`: the first frame after the first long gap. */
function resumedAt(frames: number[], killedAt: number): number | null {
  let prev = killedAt;
  for (const t of frames) {
    if (t - prev > OUTAGE_GAP_MS) return t;
    prev = t;
  }
  return null;
}

/** Milliseconds from `killedAt` until the page presents frames again (and keeps presenting them). */
async function backAfter(page: Page, killedAt: number): Promise<number> {
  const back = await poll('frames again', async () => resumedAt(await framesSince(page, killedAt), killedAt), 20_000, 50);
  await waitFrames(page, back, 30, 10_000);
  return back - killedAt;
}

describe('faults: a mediasoup worker killed mid-show', () => {
  let stack: Stack;
  let showId: string;
  /** Viewer A (origin router first) and viewer B (a fan-out router), open across the tests. */
  let a: Page;
  let b: Page;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ server: { mediasoupWorkers: 2, sfuViewersPerRouter: 1 } });
    const live = await openStudioAndGoLive(stack, 'E2E 故障');
    watchConsole(live.page, 'studio', logs);
    showId = live.showId;
    await stack.context.addInitScript({ content: FRAME_LOG_SCRIPT });
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.log(logs.join('\n'));
    logs.length = 0;
  });

  /** The show's viewers on the server: peer id and seat. */
  function seats(): Array<{ id: string; seat: RouterSeat }> {
    const room = stack.server.rooms.get(showId);
    return [...(room?.viewers.values() ?? [])].map((p) => ({ id: p.id, seat: p.room as RouterSeat }));
  }

  async function viewer(name: string): Promise<Page> {
    const v = await openViewer(stack, showId);
    watchConsole(v, name, logs);
    return v;
  }

  it('the fan-out worker dies: its viewer comes back by itself, the origin viewer never stops', async () => {
    a = await viewer('viewer A');
    await waitFrames(a, Date.now(), 30, 30_000);
    b = await viewer('viewer B');
    await waitFrames(b, Date.now(), 30, 30_000);
    const before = seats();
    expect(before).toHaveLength(2);
    const onFanout = before.find((s) => !s.seat.origin);
    expect(onFanout, 'viewer B seated on a fan-out router').toBeDefined();
    const worker = onFanout!.seat.worker!;
    expect(worker).not.toBe(before.find((s) => s.seat.origin)!.seat.worker);
    await sleep(1_000);

    const killedAt = Date.now();
    process.kill(worker.pid, 'SIGKILL');
    // B rejoins as a new peer; it is back when its frames resume after the outage.
    await poll('viewer B rejoined', async () => seats().some((s) => s.id !== before[0]!.id && s.id !== onFanout!.id), 10_000, 50);
    const backMs = await backAfter(b, killedAt);
    const aFrames = await framesSince(a, killedAt - 1_000);
    const aGap = Math.max(...aFrames.slice(1).map((t, i) => t - aFrames[i]!));
    console.log(
      `[faults] fan-out worker killed: viewer B back after ${backMs.toFixed(0)} ms; viewer A's longest gap ${aGap.toFixed(0)} ms`,
    );
    report({ scenario: 'fanout', backMs, untouchedGapMs: aGap });
    expect(backMs).toBeLessThan(BACK_WITHIN_MS);
    expect(aGap).toBeLessThan(UNTOUCHED_GAP_MS);
  });

  it('the origin worker dies: the studio republishes and both viewers come back by themselves', async () => {
    const before = seats();
    const origin = before.find((s) => s.seat.origin)!.seat.worker!;
    await waitFrames(a, Date.now(), 30, 10_000);
    await waitFrames(b, Date.now(), 30, 10_000);
    const killedAt = Date.now();
    process.kill(origin.pid, 'SIGKILL');
    const [backA, backB] = await Promise.all([backAfter(a, killedAt), backAfter(b, killedAt)]);
    console.log(`[faults] origin worker killed: viewer A back after ${backA.toFixed(0)} ms, viewer B after ${backB.toFixed(0)} ms`);
    report({ scenario: 'origin', backMs: Math.max(backA, backB) });
    expect(Math.max(backA, backB)).toBeLessThan(BACK_WITHIN_MS);
  });
});
