/**
 * One bench viewer: a real WebRTC receiver in Node (werift) speaking the Storecast signaling protocol like the viewer
 * page does: viewer.join → transport.create(recv) → consume → remote offer built from the transport + consumers →
 * werift answer → transport.connect(DTLS client) → consumer.resume each. It counts what actually arrives (per-SSRC
 * RTP, sequence gaps, marker bits), it does not decode.
 */
// werift's helpers are named use*; aliased so they are not mistaken for React hooks.
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useAbsSendTime as absSendTimeExt,
  useH264 as h264Codec,
  useNACK as nackFb,
  useOPUS as opusCodec,
  usePLI as pliFb,
  useSdesMid as midExt,
  useTransportWideCC as twccExt,
  useTWCC as twccFb,
  useVP8 as vp8Codec,
} from 'werift';
import WebSocket from 'ws';
import type { Quality } from '../../../shared/domain/show';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { RpcClient } from '../../../shared/protocol/rpc';
import { type ConsumerInfo, SIGNALING_PATH, signalingMethods, signalingNotifications } from '../../../shared/protocol/signaling';
import { buildRecvOffer, dtlsParametersFromAnswer } from './recv-sdp';
import { RtpCounter, type RtpCounterSnapshot } from './rtp-counter';

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

/**
 * What the werift peer can receive, in mediasoup's RtpCapabilities form (sent with `consume`): opus, H.264 constrained
 * baseline (packetization-mode 1) and VP8, each video codec with RTX, NACK/PLI and transport-cc (werift answers
 * transport-wide-cc feedback, so the SFU runs its normal per-viewer bandwidth estimation).
 */
export const WERIFT_RTP_CAPABILITIES: RtpCapabilities = {
  codecs: [
    {
      kind: 'audio',
      mimeType: 'audio/opus',
      preferredPayloadType: 111,
      clockRate: 48000,
      channels: 2,
      parameters: { minptime: 10, useinbandfec: 1 },
      rtcpFeedback: [{ type: 'transport-cc' }],
    },
    {
      kind: 'video',
      mimeType: 'video/H264',
      preferredPayloadType: 102,
      clockRate: 90000,
      parameters: { 'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42e01f' },
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'transport-cc' }],
    },
    { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: 103, clockRate: 90000, parameters: { apt: 102 }, rtcpFeedback: [] },
    {
      kind: 'video',
      mimeType: 'video/VP8',
      preferredPayloadType: 96,
      clockRate: 90000,
      parameters: {},
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'transport-cc' }],
    },
    { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
  ],
  headerExtensions: [
    { kind: 'audio', uri: MID_URI, preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: MID_URI, preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: ABS_SEND_TIME_URI, preferredId: 4, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'audio', uri: TWCC_URI, preferredId: 5, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: TWCC_URI, preferredId: 5, preferredEncrypt: false, direction: 'sendrecv' },
  ],
};

function createPeerConnection(): RTCPeerConnection {
  const fb = () => [nackFb(), pliFb(), twccFb()];
  return new RTCPeerConnection({
    // Loopback only: no STUN server (werift's default is a public one), host candidates on 127.0.0.1.
    iceServers: [],
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: {
      audio: [opusCodec({ payloadType: 111, rtcpFeedback: [twccFb()] })],
      video: [
        h264Codec({ payloadType: 102, rtcpFeedback: fb() }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 103, parameters: 'apt=102' }),
        vp8Codec({ payloadType: 96, rtcpFeedback: fb() }),
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' }),
      ],
    },
    headerExtensions: {
      audio: [midExt(), twccExt()],
      video: [midExt(), absSendTimeExt(), twccExt()],
    },
  });
}

export interface ViewerSnapshot {
  id: number;
  connected: boolean;
  /** ms from start() until the first video packet (null: none yet). */
  firstVideoMs: number | null;
  video: RtpCounterSnapshot | null;
  audio: RtpCounterSnapshot | null;
  videoCodec: string | null;
  /** Simulcast spatial layer the SFU reports forwarding (null: unknown / none). */
  spatialLayer: number | null;
  /** `consumer.closed` notifications received (e.g. the studio reconnected and republished: not re-consumed here). */
  consumersClosed: number;
  /** `publisher.state {connected:false}` notifications received. */
  publisherDrops: number;
  error: string | null;
}

export interface ViewerOptions {
  serverUrl: string;
  showId: string;
  /** Pin the video consumer's preferred quality after resume (auto: leave it to the SFU's bandwidth estimate). */
  quality: Quality;
  /** How long to wait for the show's media to be available. */
  mediaTimeoutMs?: number;
  /** Cluster mode: the placement token for this show on `serverUrl`'s node. */
  placement?: string;
}

export class BenchViewer {
  private readonly rpc = new RpcClient(signalingMethods, signalingNotifications, 15_000);
  private ws: WebSocket | null = null;
  private pc: RTCPeerConnection | null = null;
  private readonly counters = new Map<number, { kind: 'audio' | 'video'; counter: RtpCounter }>();
  private startedAt = 0;
  private firstVideoAt: number | null = null;
  private videoCodec: string | null = null;
  private spatialLayer: number | null = null;
  private consumersClosed = 0;
  private publisherDrops = 0;
  private connected = false;
  private error: string | null = null;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly opts: ViewerOptions,
  ) {}

  /** Join, negotiate and resume; resolves once the transport's DTLS is connected and consumers are resumed. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    try {
      await this.run();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  private async openSocket(): Promise<void> {
    const url = new URL(SIGNALING_PATH, this.opts.serverUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url, { origin: new URL(this.opts.serverUrl).origin });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.rpc.attach(ws);
    ws.on('error', (err) => {
      this.error ??= `signaling socket error: ${err.message}`;
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.rpc.handleMessage(data.toString());
    });
    ws.on('close', () => {
      this.rpc.detach();
      if (!this.closed) this.error ??= 'signaling socket closed';
    });
  }

  private async run(): Promise<void> {
    await this.openSocket();
    const mediaAvailable = new Promise<void>((resolve) => this.rpc.on('media.available', () => resolve()));
    this.rpc.on('consumer.layers', (l) => {
      if (l.consumerId === this.videoConsumerId) this.spatialLayer = l.spatialLayer;
    });
    this.rpc.on('consumer.closed', () => this.consumersClosed++);
    this.rpc.on('publisher.state', (p) => {
      if (!p.connected) this.publisherDrops++;
    });
    const joined = await this.rpc.request('viewer.join', {
      showId: this.opts.showId,
      ...(this.opts.placement ? { placement: this.opts.placement } : {}),
    });
    if (!joined.routerRtpCapabilities) throw new Error(`show ${this.opts.showId} has ended`);
    const transport = await this.rpc.request('transport.create', { direction: 'recv' });

    let consumers: ConsumerInfo[] = [];
    const deadline = performance.now() + (this.opts.mediaTimeoutMs ?? 20_000);
    for (;;) {
      const res = await this.rpc.request('consume', { transportId: transport.id, rtpCapabilities: WERIFT_RTP_CAPABILITIES });
      consumers = consumers.concat(res.consumers);
      if (consumers.some((c) => c.kind === 'video') && consumers.some((c) => c.kind === 'audio')) break;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`no audio+video to consume within timeout (got ${consumers.map((c) => c.kind).join(',') || 'nothing'})`);
      await Promise.race([mediaAvailable, new Promise((r) => setTimeout(r, Math.min(left, 1000)))]);
    }
    const video = consumers.find((c) => c.kind === 'video')!;
    this.videoConsumerId = video.id;
    this.videoCodec = video.rtpParameters.codecs[0]?.mimeType ?? null;

    const pc = createPeerConnection();
    this.pc = pc;
    pc.onTrack.subscribe((track) => {
      const ssrc = track.ssrc;
      if (ssrc === undefined) return;
      const kind = track.kind === 'video' ? 'video' : 'audio';
      const entry = { kind, counter: new RtpCounter() } as const;
      this.counters.set(ssrc, entry);
      track.onReceiveRtp.subscribe((rtp) => {
        if (kind === 'video' && this.firstVideoAt === null) this.firstVideoAt = performance.now();
        entry.counter.push(rtp.header.sequenceNumber, rtp.header.marker, rtp.payload.length);
      });
    });
    const dtlsConnected = new Promise<void>((resolve, reject) => {
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          this.connected = true;
          resolve();
        } else if (state === 'failed' || state === 'closed') {
          this.connected = false;
          reject(new Error(`peer connection ${state}`));
        } else if (state === 'disconnected') {
          this.connected = false;
        }
      });
    });

    dtlsConnected.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile

    const offer = buildRecvOffer(transport, consumers);
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const local = pc.localDescription?.sdp ?? answer.sdp;
    if (process.env.BENCH_DEBUG_SDP && this.id === 0) console.error(`--- offer\n${offer}\n--- answer\n${local}`);
    await this.rpc.request('transport.connect', { transportId: transport.id, dtlsParameters: dtlsParametersFromAnswer(local) });
    await withTimeout(dtlsConnected, 15_000, 'ICE/DTLS did not connect');
    for (const c of consumers) await this.rpc.request('consumer.resume', { consumerId: c.id });
    if (this.opts.quality !== 'auto') await this.rpc.request('consumer.setQuality', { consumerId: video.id, quality: this.opts.quality });
  }

  private videoConsumerId: string | null = null;

  snapshot(): ViewerSnapshot {
    let video: RtpCounterSnapshot | null = null;
    let audio: RtpCounterSnapshot | null = null;
    for (const { kind, counter } of this.counters.values()) {
      if (kind === 'video') video = counter.snapshot();
      else audio = counter.snapshot();
    }
    return {
      id: this.id,
      connected: this.connected,
      firstVideoMs: this.firstVideoAt === null ? null : Math.round(this.firstVideoAt - this.startedAt),
      video,
      audio,
      videoCodec: this.videoCodec,
      spatialLayer: this.spatialLayer,
      consumersClosed: this.consumersClosed,
      publisherDrops: this.publisherDrops,
      error: this.error,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ws?.close();
    await this.pc?.close().catch(() => undefined);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
