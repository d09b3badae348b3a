/** Waits shared by the media benches: the studio's simulcast ramp-up, and every viewer's first video packet. */
import type { StudioPublisher } from './studio-publisher';
import type { ViewerFleet } from './viewer-fleet';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until every started viewer has received video (or timeout). */
export async function settle(fleet: ViewerFleet, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const s = await fleet.snapshot();
    const waiting = s.viewers.filter((v) => !v.error && v.firstVideoMs === null).length;
    if (waiting === 0 || performance.now() > end) {
      if (waiting) log(`settle: ${waiting} viewers still without video after ${timeoutMs} ms`);
      return;
    }
    await sleep(500);
  }
}

/** Chromium's send-side BWE starts low: wait until all 3 simulcast layers (720p top) are being sent. */
export async function waitForPublisherRamp(publisher: StudioPublisher, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const s = await publisher.stats();
    const ready = s.layers === 3 && s.height === 720 && (s.fps ?? 0) >= 20;
    if (ready || performance.now() > end) {
      log(`publisher ${ready ? 'ramped up' : `not fully ramped up after ${timeoutMs} ms`}: ${JSON.stringify(s)}`);
      return;
    }
    await sleep(1000);
  }
}
