/**
 * Measures the loudness of the received audio track with a Web Audio analyser. The AudioContext is created
 * lazily: on the unmute tap (a user gesture), or when a test calls `level()` (tests run Chromium with
 * `--autoplay-policy=no-user-gesture-required`, so the context starts running without a gesture).
 */
export class AudioMeter {
  private ctx: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private track: MediaStreamTrack | null = null;
  private buffer: Float32Array<ArrayBuffer> | null = null;

  /** Follow a new audio track (or none). */
  setTrack(track: MediaStreamTrack | null): void {
    if (track === this.track) return;
    this.track = track;
    this.source?.disconnect();
    this.source = null;
    if (this.ctx) this.connect();
  }

  /** Create / resume the context. Call from a user gesture where possible. */
  activate(): void {
    if (!this.ctx) {
      this.ctx = new AudioContext();
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 2048;
      this.buffer = new Float32Array(this.analyser.fftSize);
      this.connect();
    }
    if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
  }

  /** RMS (0‥1) of the latest analyser window; null when there is no live audio track or no running context. */
  level(): number | null {
    if (this.track?.readyState !== 'live') return null;
    this.activate();
    if (this.ctx?.state !== 'running' || !this.analyser || !this.buffer) return null;
    this.analyser.getFloatTimeDomainData(this.buffer);
    let sum = 0;
    for (const v of this.buffer) sum += v * v;
    return Math.sqrt(sum / this.buffer.length);
  }

  /** readyState of the followed audio track (null: none). */
  trackState(): MediaStreamTrackState | null {
    return this.track?.readyState ?? null;
  }

  close(): void {
    this.source?.disconnect();
    this.source = null;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    this.analyser = null;
  }

  private connect(): void {
    if (!this.ctx || !this.analyser || !this.track) return;
    // The analyser is a sink only: nothing is routed to the speakers (the <video> element plays the audio).
    this.source = this.ctx.createMediaStreamSource(new MediaStream([this.track]));
    this.source.connect(this.analyser);
  }
}
