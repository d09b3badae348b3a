/**
 * The publisher's media session and its parts that do not depend on the controller's state: errors, the signaling
 * URL, simulcast encodings, the send transport's signaling (connect / produce / producedata) and the producers.
 */
import type { Device, types } from 'mediasoup-client';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL } from '../../../shared/protocol/overlay';
import { simulcastEncodings } from './simulcast';
import { SIGNALING_PATH, type SignalingClient } from '../../../shared/protocol/signaling';
import type { IceWatchdog } from '../../ui/ice-watchdog';
import { wireDtlsParameters, wireRtpParameters, wireSctpStreamParameters } from '../../ui/mediasoup-adapters';
import type { UplinkLayer, UplinkState } from './uplink';

/** A failure with the i18n key to show (errors.*). */
export class PublishError extends Error {
  constructor(
    readonly key: string,
    message: string,
    /** No point retrying (bad token, show ended, taken over). */
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** http(s)://host[:port] → ws(s)://host[:port]/ws/signaling */
export function signalingUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = SIGNALING_PATH;
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** The media side of one signaling socket: Device + send transport + producers. Thrown away when the socket goes. */
export class Session {
  device: Device | null = null;
  transport: types.Transport | null = null;
  video: types.Producer | null = null;
  audio: types.Producer | null = null;
  data: types.DataProducer | null = null;
  watchdog: IceWatchdog | null = null;
  /** The program producer's simulcast layers (low → high) and the uplink policy's state (from the first connect). */
  videoLayers: (UplinkLayer & { width: number; height: number })[] = [];
  uplink: UplinkState | null = null;
  statsTimer: ReturnType<typeof setInterval> | null = null;
  closed = false;

  constructor(readonly client: SignalingClient) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.watchdog?.dispose();
    this.data?.close();
    this.video?.close();
    this.audio?.close();
    this.transport?.close();
  }
}

/** Answer the send transport's events with the matching signaling requests. */
export function wireSendTransport(client: SignalingClient, transport: types.Transport): void {
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    client
      .request('transport.connect', {
        transportId: transport.id,
        dtlsParameters: wireDtlsParameters(dtlsParameters),
      })
      .then(() => callback(), errback);
  });
  transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
    const source = appData.source === 'mic' ? 'mic' : 'program';
    client
      .request('produce', {
        transportId: transport.id,
        kind,
        rtpParameters: wireRtpParameters(rtpParameters),
        source,
      })
      .then(({ producerId }) => callback({ id: producerId }), errback);
  });
  transport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
    client
      .request('produceData', {
        transportId: transport.id,
        sctpStreamParameters: wireSctpStreamParameters(sctpStreamParameters),
        label: label ?? OVERLAY_LABEL,
        protocol: protocol ?? OVERLAY_PROTOCOL,
      })
      .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
  });
}

/** Produce the program video: H.264 preferred, three simulcast layers, frame rate kept under pressure. */
export async function produceProgram(session: Session, track: MediaStreamTrack, size: { width: number; height: number }): Promise<void> {
  const device = session.device!;
  const h264 =
    device.rtpCapabilities.codecs?.find(
      (c) => c.mimeType.toLowerCase() === 'video/h264' && Number(c.parameters?.['packetization-mode'] ?? 0) === 1,
    ) ?? device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/h264');
  const encodings = simulcastEncodings(size.width, size.height);
  session.videoLayers = encodings.map((e) => {
    const scale = e.scaleResolutionDownBy ?? 1;
    return { maxBitrate: e.maxBitrate ?? 0, width: Math.round(size.width / scale), height: Math.round(size.height / scale) };
  });
  const producer = await session.transport!.produce({
    track,
    encodings,
    codecOptions: { videoGoogleStartBitrate: 1000 },
    ...(h264 ? { codec: h264 } : {}),
    stopTracks: false,
    appData: { source: 'program' },
  });
  session.video = producer;
  // Keep the frame rate and drop resolution under pressure: live commerce needs fluid motion.
  const sender = producer.rtpSender;
  if (sender) {
    try {
      const p = sender.getParameters();
      p.degradationPreference = 'maintain-framerate';
      await sender.setParameters(p);
    } catch {
      // not supported by this browser: the track's contentHint 'motion' gives the same preference
    }
  }
}

/** Produce the mic (mono Opus with FEC), if the device can send audio. */
export async function produceMic(session: Session, track: MediaStreamTrack): Promise<void> {
  if (!session.device?.canProduce('audio')) return;
  session.audio = await session.transport!.produce({
    track,
    codecOptions: { opusStereo: false, opusFec: true, opusDtx: false },
    stopTracks: false,
    appData: { source: 'mic' },
  });
}
