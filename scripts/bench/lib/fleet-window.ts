/**
 * What a viewer fleet received between two snapshots: loss over every viewer's audio and video, and each viewer's
 * delivered frame rate. `bench:fanout` and `bench:scale` both judge a load step by it.
 */
import { type RtpWindow, windowBetween } from './rtp-counter';
import type { FleetSnapshot } from './viewer-fleet';

export interface ViewerWindow {
  viewer: FleetSnapshot['viewers'][number];
  video: RtpWindow;
  audio: RtpWindow;
  fps: number;
}

export interface FleetWindow {
  windowS: number;
  /** Viewers with both tracks in both snapshots. */
  viewers: ViewerWindow[];
  /** Viewers missing a track, or that received nothing on one of them. */
  silent: number;
  lossPct: number;
  fpsMean: number;
  fpsMin: number;
}

export function fleetWindow(a: FleetSnapshot, b: FleetSnapshot): FleetWindow {
  const windowS = (b.at - a.at) / 1000;
  const before = new Map(a.viewers.map((v) => [v.id, v]));
  const viewers: ViewerWindow[] = [];
  let lost = 0;
  let expected = 0;
  let silent = 0;
  for (const v of b.viewers) {
    const p = before.get(v.id);
    if (!p?.video || !p.audio || !v.video || !v.audio) {
      silent++;
      continue;
    }
    const video = windowBetween(p.video, v.video);
    const audio = windowBetween(p.audio, v.audio);
    if (video.received === 0 || audio.received === 0) silent++;
    lost += video.lost + audio.lost;
    expected += video.expected + audio.expected;
    viewers.push({ viewer: v, video, audio, fps: video.markers / windowS });
  }
  const fps = viewers.map((w) => w.fps);
  return {
    windowS,
    viewers,
    silent,
    lossPct: expected > 0 ? (100 * lost) / expected : 100,
    fpsMean: fps.length ? fps.reduce((x, y) => x + y, 0) / fps.length : 0,
    fpsMin: fps.length ? Math.min(...fps) : 0,
  };
}
