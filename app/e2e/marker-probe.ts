/**
 * Runs inside viewer pages (injected by the harness). For every presented frame it copies the top strip of the
 * <video> into a canvas, decodes the studio's timestamp marker and records glass-to-glass latency:
 * expectedDisplayTime (when the frame reaches the screen) minus the time the studio drew it. Both pages run in
 * one browser, so performance.timeOrigin + now() is the same clock on both sides.
 */
import { decodeMarkerRgba, markerStripHeight, unwrapMarkerTime } from '../ui/frame-marker';

interface Sample {
  displayAt: number;
  /** Wall-clock ms the last packet of the frame arrived (rVFC receiveTime), if reported. */
  receivedAt: number | null;
  capturedAt: number;
  frame: number;
  width: number;
  height: number;
}

interface FrameInfo {
  expectedDisplayTime: number;
  receiveTime?: number;
  width: number;
  height: number;
}

interface ViewerHandle {
  video: HTMLVideoElement;
  onFrame(cb: (s: FrameInfo) => void): () => void;
}

const probe = {
  samples: [] as Sample[],
  undecoded: 0,
  /**
   * Frames whose painted pixels were captured after the announced frame arrived: under load drawImage can paint a
   * newer frame than the callback announced, so the pairing is wrong and the sample is dropped (counted, not hidden).
   */
  mismatched: 0,
  started: false,
  start(): boolean {
    const handle = (window as unknown as { __storecast?: ViewerHandle }).__storecast;
    if (!handle || probe.started) return probe.started;
    probe.started = true;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    let copyWorks = typeof VideoFrame === 'function';
    /**
     * The strip's RGBA pixels of the <video>'s current frame (the one this callback announced). `VideoFrame.copyTo`
     * converts just the strip's rows (~0.1 ms); drawImage converts the whole frame first (~12 ms at 720p without a
     * GPU), which made the probe itself skip frames on a busy page.
     */
    const readStrip = async (w: number, h: number): Promise<Uint8Array | Uint8ClampedArray> => {
      if (copyWorks) {
        let frame: VideoFrame | null = null;
        try {
          frame = new VideoFrame(handle.video); // taken now: the frame this callback announced
          const rect = { x: 0, y: 0, width: w, height: h };
          const size = frame.allocationSize({ rect, format: 'RGBA' });
          const out = new Uint8Array(size);
          await frame.copyTo(out, { rect, format: 'RGBA' });
          return out;
        } catch {
          copyWorks = false; // drawImage from now on
        } finally {
          frame?.close();
        }
      }
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      ctx.drawImage(handle.video, 0, 0, w, h, 0, 0, w, h);
      return ctx.getImageData(0, 0, w, h).data;
    };
    const sample = async (s: FrameInfo): Promise<void> => {
      const w = s.width;
      const cell = markerStripHeight(w);
      if (cell < 4) return;
      const h = Math.min(s.height & ~1, (cell + 1) & ~1); // even: the frame's chroma is subsampled
      const m = decodeMarkerRgba(await readStrip(w, h), w, h);
      if (!m) {
        probe.undecoded++;
        return;
      }
      const displayAt = performance.timeOrigin + s.expectedDisplayTime;
      const receivedAt = s.receiveTime === undefined ? null : performance.timeOrigin + s.receiveTime;
      const capturedAt = unwrapMarkerTime(m.ts24, displayAt);
      if (capturedAt > (receivedAt ?? displayAt)) {
        probe.mismatched++;
        return;
      }
      probe.samples.push({
        displayAt,
        receivedAt,
        capturedAt,
        frame: m.frame,
        width: s.width,
        height: s.height,
      });
      if (probe.samples.length > 20_000) probe.samples.splice(0, 10_000);
    };
    handle.onFrame((s) => void sample(s));
    return true;
  },
};
(window as unknown as { __probe: typeof probe }).__probe = probe;
