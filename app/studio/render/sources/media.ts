/** Runtimes with their own clock: camera, audio input, screen / window capture, media file. */
import type { SettingsOf } from '../../../../shared/scene/kinds';
import type { Size } from '../../../../shared/scene/primitives';
import {
  CachedCanvas,
  describeError,
  makeVideo,
  paintPlaceholder,
  type SourceEnv,
  type SourceFrame,
  SourceRuntime,
  VideoSurface,
} from './runtime';

function placeholderFrame(canvas: CachedCanvas, size: Size, title: string, message: string): SourceFrame {
  return {
    drawable: canvas.render(`${title}|${message}`, size.width, size.height, (ctx, w, h) => paintPlaceholder(ctx, w, h, title, message)),
  };
}

function deviceErrorKey(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'deviceMissing';
  if (name === 'NotReadableError' || name === 'AbortError') return 'deviceBusy';
  return 'deviceFailed';
}

/** A video element fed by a MediaStream, with an "ended" (unplugged) watch. */
abstract class StreamVideoRuntime<S> extends SourceRuntime<S> {
  protected readonly video = makeVideo();
  readonly surface = new VideoSurface(this.video);
  protected stream: MediaStream | null = null;
  protected readonly placeholder = new CachedCanvas();
  protected lastSize: Size | null = null;

  protected attach(stream: MediaStream | null): void {
    if (this.stream === stream) return;
    this.stream = stream;
    this.video.srcObject = stream;
    if (stream) {
      void this.video.play().catch(() => {});
      const track = stream.getVideoTracks()[0];
      track?.addEventListener('ended', () => {
        if (this.stream !== stream) return;
        this.setStatus({ state: 'error', messageKey: 'unplugged', detail: track.label });
      });
    }
  }

  protected picture(): SourceFrame | null {
    const d = this.stream?.getVideoTracks()[0]?.readyState === 'live' ? this.surface.drawable() : null;
    if (d) {
      this.lastSize = { width: d.width, height: d.height };
      return { drawable: d };
    }
    return null;
  }

  size(): Size {
    return this.lastSize ?? this.defaultSize();
  }

  protected abstract defaultSize(): Size;

  override dispose(): void {
    this.video.srcObject = null;
    this.surface.dispose();
  }
}

export class CameraRuntime extends StreamVideoRuntime<SettingsOf<'camera'>> {
  private own: MediaStream | null = null;
  private seq = 0;

  constructor(env: SourceEnv, settings: SettingsOf<'camera'>) {
    super(env, settings);
    this.open();
  }

  override update(settings: SettingsOf<'camera'>): void {
    const reopen =
      settings.deviceId !== this.settings.deviceId ||
      JSON.stringify(settings.resolution) !== JSON.stringify(this.settings.resolution) ||
      settings.frameRate !== this.settings.frameRate;
    super.update(settings);
    if (reopen) this.open();
  }

  protected defaultSize(): Size {
    return { ...this.settings.resolution };
  }

  private stopOwn(): void {
    for (const t of this.own?.getTracks() ?? []) t.stop();
    this.own = null;
  }

  private open(): void {
    const seq = ++this.seq;
    this.stopOwn();
    const { deviceId, resolution, frameRate } = this.settings;
    if (deviceId === null) return; // follows the studio camera (see frame)
    this.setStatus({ state: 'loading' });
    this.env
      .openDevice('camera', {
        deviceId: { exact: deviceId },
        width: { ideal: resolution.width },
        height: { ideal: resolution.height },
        frameRate: { ideal: frameRate },
      })
      .then(
        (stream) => {
          if (seq !== this.seq) {
            for (const t of stream.getTracks()) t.stop();
            return;
          }
          this.own = stream;
          this.attach(stream);
          this.setStatus({ state: 'ok' });
        },
        (err: unknown) => {
          if (seq === this.seq) this.setStatus({ state: 'error', messageKey: deviceErrorKey(err), detail: describeError(err) });
        },
      );
  }

  frame(): SourceFrame | null {
    if (this.settings.deviceId === null) {
      const studio = this.env.studioCamera();
      this.attach(studio);
      if (!studio) this.setStatus({ state: 'error', messageKey: 'noCamera' });
      else if (studio.getVideoTracks()[0]?.readyState === 'ended') this.setStatus({ state: 'error', messageKey: 'unplugged' });
      else this.setStatus({ state: 'ok' });
    }
    const pic = this.picture();
    if (pic) return this.settings.mirror ? { ...pic, flipX: true } : pic;
    if (this.status.state === 'ok' || this.status.state === 'loading') return null; // starting: draw nothing yet
    return placeholderFrame(
      this.placeholder,
      this.size(),
      this.env.t('scene.kind.camera'),
      this.env.t(`sources.status.${this.status.messageKey ?? 'noCamera'}`),
    );
  }

  override dispose(): void {
    this.seq++;
    this.stopOwn();
    super.dispose();
  }
}

export class ScreenCaptureRuntime extends StreamVideoRuntime<SettingsOf<'screen_capture'>> {
  constructor(env: SourceEnv, settings: SettingsOf<'screen_capture'>) {
    super(env, settings);
    this.setStatus({ state: 'idle', messageKey: 'captureNotStarted' });
  }

  protected defaultSize(): Size {
    return { width: 1920, height: 1080 };
  }

  /** Ask for a screen / window (must run from a user gesture in the browser). */
  async start(): Promise<void> {
    this.stop();
    this.setStatus({ state: 'loading' });
    try {
      const s = this.settings;
      const stream = await this.env.captureDisplay({ target: s.target, sourceId: s.sourceId, cursor: s.captureCursor });
      this.attach(stream);
      this.setStatus({ state: 'ok' });
    } catch (err) {
      this.setStatus({
        state: 'error',
        messageKey: deviceErrorKey(err) === 'denied' ? 'captureDenied' : 'captureFailed',
        detail: describeError(err),
      });
    }
  }

  stop(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.attach(null);
    this.setStatus({ state: 'idle', messageKey: 'captureNotStarted' });
  }

  frame(): SourceFrame | null {
    const pic = this.picture();
    if (pic) return pic;
    if (this.stream && this.status.state === 'error') return this.placeholderNow();
    if (this.status.state === 'loading') return null;
    return this.placeholderNow();
  }

  private placeholderNow(): SourceFrame {
    return placeholderFrame(
      this.placeholder,
      this.size(),
      this.env.t('scene.kind.screen_capture'),
      this.env.t(`sources.status.${this.status.messageKey ?? 'captureNotStarted'}`),
    );
  }

  override dispose(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    super.dispose();
  }
}

export class AudioInputRuntime extends SourceRuntime<SettingsOf<'audio_input'>> {
  private own: MediaStream | null = null;
  private studioStream: MediaStream | null = null;
  private seq = 0;

  constructor(env: SourceEnv, settings: SettingsOf<'audio_input'>) {
    super(env, settings);
    this.open();
  }

  override update(settings: SettingsOf<'audio_input'>): void {
    const reopen = JSON.stringify(settings) !== JSON.stringify(this.settings);
    super.update(settings);
    if (reopen) this.open();
  }

  private open(): void {
    const seq = ++this.seq;
    for (const t of this.own?.getTracks() ?? []) t.stop();
    this.own = null;
    const { deviceId, echoCancellation, noiseSuppression } = this.settings;
    if (deviceId === null) return;
    this.setStatus({ state: 'loading' });
    this.env.openDevice('mic', { deviceId: { exact: deviceId }, echoCancellation, noiseSuppression, channelCount: 1 }).then(
      (stream) => {
        if (seq !== this.seq) {
          for (const t of stream.getTracks()) t.stop();
          return;
        }
        this.own = stream;
        this.setStatus({ state: 'ok' });
      },
      (err: unknown) => {
        if (seq === this.seq) this.setStatus({ state: 'error', messageKey: deviceErrorKey(err), detail: describeError(err) });
      },
    );
  }

  override audio(): MediaStream | null {
    if (this.settings.deviceId !== null) return this.own;
    const track = this.env.studioMic();
    if (!track) {
      this.studioStream = null;
      this.setStatus({ state: 'error', messageKey: 'noMic' });
      return null;
    }
    if (this.studioStream?.getAudioTracks()[0] !== track) this.studioStream = new MediaStream([track]);
    this.setStatus({ state: 'ok' });
    return this.studioStream;
  }

  size(): Size | null {
    return null;
  }

  frame(): null {
    return null;
  }

  override dispose(): void {
    this.seq++;
    for (const t of this.own?.getTracks() ?? []) t.stop();
  }
}

export class MediaFileRuntime extends SourceRuntime<SettingsOf<'media_file'>> {
  readonly video = makeVideo();
  readonly surface = new VideoSurface(this.video);
  private readonly placeholder = new CachedCanvas();
  private lastSize: Size | null = null;
  private seq = 0;
  private url: string | null = null;

  constructor(env: SourceEnv, settings: SettingsOf<'media_file'>) {
    super(env, settings);
    this.video.crossOrigin = 'anonymous';
    this.video.addEventListener('error', () => {
      this.setStatus({ state: 'error', messageKey: 'fileMissing', detail: this.video.error?.message ?? 'media error' });
    });
    this.applyPlayback();
    this.load();
  }

  override update(settings: SettingsOf<'media_file'>): void {
    const reload = JSON.stringify(settings.ref) !== JSON.stringify(this.settings.ref);
    super.update(settings);
    this.applyPlayback();
    if (reload) this.load();
  }

  private applyPlayback(): void {
    this.video.loop = this.settings.loop;
    this.video.volume = this.settings.volume;
  }

  private load(): void {
    const seq = ++this.seq;
    const ref = this.settings.ref;
    this.video.removeAttribute('src');
    this.url = null;
    if (!ref) {
      this.setStatus({ state: 'idle', messageKey: 'noFile' });
      return;
    }
    this.setStatus({ state: 'loading' });
    this.env.resolveMedia(ref).then(
      (url) => {
        if (seq !== this.seq) return;
        this.url = url;
        this.video.src = url;
        this.video.play().then(
          () => this.setStatus({ state: 'ok' }),
          (err: unknown) => {
            if (seq === this.seq && this.status.state !== 'error')
              this.setStatus({ state: 'error', messageKey: 'playFailed', detail: describeError(err) });
          },
        );
      },
      (err: unknown) => {
        if (seq === this.seq) this.setStatus({ state: 'error', messageKey: 'fileMissing', detail: describeError(err) });
      },
    );
  }

  /** Restart from the beginning (restartOnActivate). */
  restart(): void {
    if (!this.url) return;
    this.video.currentTime = 0;
    void this.video.play().catch(() => {});
  }

  override audio(): HTMLMediaElement | null {
    return this.url ? this.video : null;
  }

  size(): Size {
    return this.lastSize ?? { width: 1280, height: 720 };
  }

  frame(): SourceFrame | null {
    const d = this.surface.drawable();
    if (d) {
      this.lastSize = { width: d.width, height: d.height };
      return { drawable: d };
    }
    if (this.status.state === 'loading' || this.status.state === 'ok') return null;
    const ref = this.settings.ref;
    const title = ref
      ? (ref.type === 'url' ? ref.url : ref.path).split(/[\\/]/).pop() || this.env.t('scene.kind.media_file')
      : this.env.t('scene.kind.media_file');
    return placeholderFrame(this.placeholder, this.size(), title, this.env.t(`sources.status.${this.status.messageKey ?? 'noFile'}`));
  }

  override dispose(): void {
    this.seq++;
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    this.surface.dispose();
  }
}
