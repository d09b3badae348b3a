/**
 * Audio mixer (outside React): one WebAudio strip per audio source of the program scene (microphones, media files):
 *   source → DelayNode (sync offset) → GainNode (dB fader, mute) → AnalyserNode (peak / RMS meters) → program mix
 *                                                                                  ↘ monitor gain → speakers
 * The program mix is a MediaStreamAudioDestinationNode whose track the publisher sends. A browser may keep the
 * AudioContext suspended until a user gesture; the mixer resumes it on the first pointer / key press and the dock says so.
 */
import { getKind } from '../../../shared/scene/kinds';
import { findScene, type SceneCollection, type Source } from '../../../shared/scene/model';
import type { SceneGraph } from '../render/renderer';
import type { MixerLevel, StudioStore } from '../store';

interface Strip {
  input: MediaStream | HTMLMediaElement;
  node: AudioNode;
  delay: DelayNode;
  gain: GainNode;
  analyser: AnalyserNode;
  monitor: GainNode;
}

const MAX_DELAY_S = 20;
const METER_MS = 100;

export function dbToGain(db: number): number {
  return db <= -100 ? 0 : 10 ** (db / 20);
}

/** Peak and RMS of a block of samples, in dBFS (−100 = silence). */
export function levels(samples: Float32Array): MixerLevel {
  let peak = 0;
  let sum = 0;
  for (const v of samples) {
    const a = Math.abs(v);
    if (a > peak) peak = a;
    sum += v * v;
  }
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  const db = (x: number) => (x <= 1e-5 ? -100 : Math.max(-100, Math.round(20 * Math.log10(x) * 10) / 10));
  return { peakDb: db(peak), rmsDb: db(rms) };
}

/** Sources the program mix carries: audio-capable sources with a visible item in the program scene (nested too). */
export function programAudioSources(c: SceneCollection): Source[] {
  const out = new Map<string, Source>();
  const visit = (sceneId: string, depth: number) => {
    const scene = findScene(c, sceneId);
    if (!scene || depth > 8) return;
    for (const item of scene.items) {
      if (!item.visible) continue;
      const src = c.sources.find((s) => s.id === item.sourceId);
      if (!src) continue;
      if (src.kind === 'scene' && src.settings.sceneId) visit(src.settings.sceneId, depth + 1);
      else if (getKind(src.kind).flags.audio) out.set(src.id, src);
    }
  };
  visit(c.currentSceneId, 0);
  return [...out.values()];
}

export class Mixer {
  private ctx: AudioContext | null = null;
  private dest: MediaStreamAudioDestinationNode | null = null;
  private readonly strips = new Map<string, Strip>();
  private readonly elementNodes = new WeakMap<HTMLMediaElement, MediaElementAudioSourceNode>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly buf = new Float32Array(2048);
  private readonly resume = () => void this.ctx?.resume().catch(() => {});

  constructor(
    private readonly store: StudioStore,
    private readonly graph: SceneGraph,
  ) {}

  /** Start the graph; returns the program-mix track (null when WebAudio is unavailable). */
  start(): MediaStreamTrack | null {
    try {
      this.ctx = new AudioContext({ latencyHint: 'interactive' });
    } catch {
      return null;
    }
    this.dest = this.ctx.createMediaStreamDestination();
    this.ctx.onstatechange = () => this.patch({ running: this.ctx?.state === 'running' });
    window.addEventListener('pointerdown', this.resume, true);
    window.addEventListener('keydown', this.resume, true);
    this.resume();
    this.timer = setInterval(() => this.update(), METER_MS);
    return this.dest.stream.getAudioTracks()[0] ?? null;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    window.removeEventListener('pointerdown', this.resume, true);
    window.removeEventListener('keydown', this.resume, true);
    for (const id of [...this.strips.keys()]) this.drop(id);
    void this.ctx?.close();
  }

  setMonitoring(sourceId: string, on: boolean): void {
    this.store.setState((s) => ({ mixer: { ...s.mixer, monitoring: { ...s.mixer.monitoring, [sourceId]: on } } }));
  }

  private patch(p: Partial<ReturnType<StudioStore['getState']>['mixer']>): void {
    this.store.setState((s) => ({ mixer: { ...s.mixer, ...p } }));
  }

  private drop(id: string): void {
    const s = this.strips.get(id);
    if (!s) return;
    this.strips.delete(id);
    for (const n of [s.node, s.delay, s.gain, s.analyser, s.monitor]) n.disconnect();
  }

  private build(input: MediaStream | HTMLMediaElement): Strip | null {
    const ctx = this.ctx!;
    let node: AudioNode;
    if (input instanceof MediaStream) {
      if (input.getAudioTracks().length === 0) return null;
      node = ctx.createMediaStreamSource(input);
    } else {
      // An element can feed only one source node, ever: keep it; its sound now goes through the graph only.
      let n = this.elementNodes.get(input);
      if (!n) {
        n = ctx.createMediaElementSource(input);
        this.elementNodes.set(input, n);
      }
      input.muted = false;
      node = n;
    }
    const delay = ctx.createDelay(MAX_DELAY_S);
    const gain = ctx.createGain();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    const monitor = ctx.createGain();
    monitor.gain.value = 0;
    node.connect(delay).connect(gain).connect(analyser);
    gain.connect(this.dest!);
    gain.connect(monitor).connect(ctx.destination);
    return { input, node, delay, gain, analyser, monitor };
  }

  /** Match strips to the program's audio sources, apply fader / mute / sync / monitoring, publish meters. */
  private update(): void {
    if (!this.ctx) return;
    const state = this.store.getState();
    const wanted = programAudioSources(state.scene.collection);
    const keep = new Set<string>();
    const now = this.ctx.currentTime;
    const meters: Record<string, MixerLevel> = {};
    for (const src of wanted) {
      const input = this.graph.runtime(src.id)?.audio() ?? null;
      let strip = this.strips.get(src.id);
      if (strip && strip.input !== input) {
        this.drop(src.id);
        strip = undefined;
      }
      if (!input) continue;
      strip ??= this.build(input) ?? undefined;
      if (!strip) continue;
      this.strips.set(src.id, strip);
      keep.add(src.id);
      const fileGain = src.kind === 'media_file' ? (src.settings.muted ? 0 : src.settings.volume) : 1;
      strip.gain.gain.setTargetAtTime(src.muted ? 0 : dbToGain(src.volumeDb) * fileGain, now, 0.02);
      strip.delay.delayTime.setTargetAtTime(Math.min(MAX_DELAY_S, Math.max(0, src.syncOffsetMs / 1000)), now, 0.01);
      strip.monitor.gain.setTargetAtTime(state.mixer.monitoring[src.id] ? 1 : 0, now, 0.02);
      strip.analyser.getFloatTimeDomainData(this.buf);
      meters[src.id] = levels(this.buf);
    }
    for (const id of [...this.strips.keys()]) if (!keep.has(id)) this.drop(id);
    this.patch({ levels: meters, running: this.ctx.state === 'running' });
  }
}
