/**
 * Capture devices: camera and microphone selection, permission errors, hot-plug. The camera stream feeds the
 * compositor; the mic track feeds the publisher. An unplugged camera (track ended / device gone) raises a clear
 * banner and falls back to another camera if one is present.
 */
import { OUTPUT_PRESETS } from '../../../shared/protocol/host';
import type { DeviceOption, StudioStore } from '../store';
import type { SettingsController } from './settings';

export interface DeviceSinks {
  camera(stream: MediaStream | null): void;
  mic(track: MediaStreamTrack | null): void;
}

function errorKey(kind: 'camera' | 'mic', err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return kind === 'camera' ? 'cameraDenied' : 'micDenied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return kind === 'camera' ? 'cameraNotFound' : 'micNotFound';
  if (name === 'NotReadableError' || name === 'AbortError') return kind === 'camera' ? 'cameraBusy' : 'micBusy';
  return kind === 'camera' ? 'cameraFailed' : 'micFailed';
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export class DevicesController {
  private camera: MediaStream | null = null;
  private mic: MediaStream | null = null;
  private cameraSeq = 0;
  private micSeq = 0;
  private readonly onDeviceChange = () => void this.handleDeviceChange();

  constructor(
    private readonly store: StudioStore,
    private readonly settings: SettingsController,
    private readonly sinks: DeviceSinks,
  ) {}

  async start(): Promise<void> {
    navigator.mediaDevices.addEventListener('devicechange', this.onDeviceChange);
    const s = this.store.getState().settings;
    await Promise.all([this.openCamera(s.cameraId), this.openMic(s.micId)]);
    await this.enumerate();
  }

  stop(): void {
    navigator.mediaDevices.removeEventListener('devicechange', this.onDeviceChange);
    this.setCamera(null);
    this.setMic(null);
  }

  async selectCamera(deviceId: string): Promise<void> {
    this.settings.update({ cameraId: deviceId });
    await this.openCamera(deviceId);
  }

  async selectMic(deviceId: string): Promise<void> {
    this.settings.update({ micId: deviceId });
    await this.openMic(deviceId);
  }

  /** Reopen the camera at the current output size (after a preset change). */
  async reopenCamera(): Promise<void> {
    await this.openCamera(this.store.getState().devices.activeCameraId ?? this.store.getState().settings.cameraId);
  }

  private patch(p: Partial<ReturnType<StudioStore['getState']>['devices']>): void {
    this.store.setState((s) => ({ devices: { ...s.devices, ...p } }));
  }

  private setCamera(stream: MediaStream | null): void {
    if (this.camera && this.camera !== stream) for (const t of this.camera.getTracks()) t.stop();
    this.camera = stream;
    this.sinks.camera(stream);
  }

  private setMic(stream: MediaStream | null): void {
    if (this.mic && this.mic !== stream) for (const t of this.mic.getTracks()) t.stop();
    this.mic = stream;
    this.sinks.mic(stream?.getAudioTracks()[0] ?? null);
  }

  async openCamera(deviceId: string | null): Promise<boolean> {
    const seq = ++this.cameraSeq;
    const preset = OUTPUT_PRESETS[this.store.getState().settings.output];
    // Cameras deliver landscape pictures: ask for the preset's long side across, and a portrait frame crops the middle.
    const width = Math.max(preset.width, preset.height);
    const height = Math.min(preset.width, preset.height);
    const { fps } = preset;
    this.patch({ camera: 'starting' });
    const video: MediaTrackConstraints = { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: fps } };
    try {
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { ...video, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) } });
      } catch (err) {
        // The saved camera may be gone: fall back to any camera rather than showing nothing.
        if (!deviceId || !(err instanceof DOMException) || (err.name !== 'NotFoundError' && err.name !== 'OverconstrainedError')) throw err;
        stream = await navigator.mediaDevices.getUserMedia({ video });
      }
      if (seq !== this.cameraSeq) {
        for (const t of stream.getTracks()) t.stop();
        return false;
      }
      const track = stream.getVideoTracks()[0]!;
      track.addEventListener('ended', () => {
        if (this.camera !== stream) return;
        this.store.getState().pushError('cameraUnplugged', track.label);
        this.patch({ camera: 'error' });
        this.setCamera(null);
        void this.handleDeviceChange();
      });
      const st = track.getSettings();
      this.setCamera(stream);
      this.patch({
        camera: 'on',
        activeCameraId: st.deviceId ?? deviceId,
        cameraSize: st.width && st.height ? { width: st.width, height: st.height } : null,
      });
      for (const k of ['cameraDenied', 'cameraNotFound', 'cameraBusy', 'cameraFailed']) this.store.getState().clearError(k);
      await this.enumerate(); // labels become available once permission is granted
      return true;
    } catch (err) {
      if (seq !== this.cameraSeq) return false;
      this.setCamera(null);
      this.patch({ camera: 'error', activeCameraId: null, cameraSize: null });
      this.store.getState().pushError(errorKey('camera', err), describe(err));
      return false;
    }
  }

  async openMic(deviceId: string | null): Promise<boolean> {
    const seq = ++this.micSeq;
    this.patch({ mic: 'starting' });
    const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 };
    try {
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: { ...audio, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) } });
      } catch (err) {
        if (!deviceId || !(err instanceof DOMException) || (err.name !== 'NotFoundError' && err.name !== 'OverconstrainedError')) throw err;
        stream = await navigator.mediaDevices.getUserMedia({ audio });
      }
      if (seq !== this.micSeq) {
        for (const t of stream.getTracks()) t.stop();
        return false;
      }
      const track = stream.getAudioTracks()[0]!;
      track.addEventListener('ended', () => {
        if (this.mic !== stream) return;
        this.store.getState().pushError('micUnplugged', track.label);
        this.patch({ mic: 'error' });
        this.setMic(null);
        void this.handleDeviceChange();
      });
      this.setMic(stream);
      this.patch({ mic: 'on', activeMicId: track.getSettings().deviceId ?? deviceId });
      for (const k of ['micDenied', 'micNotFound', 'micBusy', 'micFailed']) this.store.getState().clearError(k);
      return true;
    } catch (err) {
      if (seq !== this.micSeq) return false;
      this.setMic(null);
      this.patch({ mic: 'error', activeMicId: null });
      this.store.getState().pushError(errorKey('mic', err), describe(err));
      return false;
    }
  }

  async enumerate(): Promise<void> {
    let list: MediaDeviceInfo[];
    try {
      list = await navigator.mediaDevices.enumerateDevices();
    } catch {
      return;
    }
    const pick = (kind: MediaDeviceKind): DeviceOption[] =>
      list
        .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications')
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}` }));
    this.patch({ cameras: pick('videoinput'), mics: pick('audioinput') });
  }

  /** Devices were plugged / unplugged: refresh the lists and recover a lost camera or mic. */
  private async handleDeviceChange(): Promise<void> {
    await this.enumerate();
    const { devices } = this.store.getState();
    const cameraGone = devices.activeCameraId !== null && !devices.cameras.some((c) => c.deviceId === devices.activeCameraId);
    if ((devices.camera === 'error' || cameraGone || !this.camera) && devices.cameras.length > 0 && devices.camera !== 'starting') {
      if (cameraGone) this.store.getState().pushError('cameraUnplugged');
      const saved = this.store.getState().settings.cameraId;
      const next = devices.cameras.find((c) => c.deviceId === saved) ?? devices.cameras[0]!;
      await this.openCamera(next.deviceId);
    }
    const micGone = devices.activeMicId !== null && !devices.mics.some((m) => m.deviceId === devices.activeMicId);
    if ((devices.mic === 'error' || micGone || !this.mic) && devices.mics.length > 0 && devices.mic !== 'starting') {
      const saved = this.store.getState().settings.micId;
      const next = devices.mics.find((m) => m.deviceId === saved) ?? devices.mics[0]!;
      await this.openMic(next.deviceId);
    }
  }
}
