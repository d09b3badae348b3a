/**
 * Room lifecycle over the real signaling WebSocket: a real server (port 0, real mediasoup worker, temp SQLite)
 * and `ws` clients using the shared RpcClient.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { MAX_MESSAGE_BYTES, RpcError } from '../../../shared/protocol/rpc';
import { CLOSE_REPLACED } from '../sfu/room';
import { CLIENT_DTLS, opusParameters, SCTP_CAPS, simulcastVideoParameters } from '../testing/fixtures';
import { connect, connectStudio, sleep, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';

const GRACE_MS = 1500;
let server: TestServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ publisherGraceMs: GRACE_MS });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

async function client(kind: 'studio' | 'viewer' | 'none' = 'none'): Promise<TestClient> {
  const c = kind === 'studio' ? await connectStudio(server) : await connect(server);
  clients.push(c);
  return c;
}

async function expectRpcError(p: Promise<unknown>, code: string): Promise<RpcError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code}, request succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  expect((err as RpcError).code).toBe(code);
  return err as RpcError;
}

/** Studio with an open show, a connected send transport (with SCTP) and optionally the two media producers. */
async function openShow(title = 'Spring sale', opts: { produce?: boolean; live?: boolean } = {}) {
  const studio = await client('studio');
  const opened = await studio.rpc.request('show.open', { title });
  const send = await studio.rpc.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPS });
  await studio.rpc.request('transport.connect', { transportId: send.id, dtlsParameters: CLIENT_DTLS });
  const producers: { video?: string; audio?: string } = {};
  if (opts.produce) {
    producers.video = (
      await studio.rpc.request('produce', {
        transportId: send.id,
        kind: 'video',
        source: 'program',
        rtpParameters: simulcastVideoParameters(),
      })
    ).producerId;
    producers.audio = (
      await studio.rpc.request('produce', { transportId: send.id, kind: 'audio', source: 'mic', rtpParameters: opusParameters() })
    ).producerId;
  }
  if (opts.live) await studio.rpc.request('show.goLive', { showId: opened.show.id });
  return { studio, opened, showId: opened.show.id, send, producers };
}

async function joinViewer(showId: string, sctp = true) {
  const viewer = await client();
  const joined = await viewer.rpc.request('viewer.join', { showId });
  const recv = joined.routerRtpCapabilities
    ? await viewer.rpc.request('transport.create', { direction: 'recv', ...(sctp ? { sctpCapabilities: SCTP_CAPS } : {}) })
    : null;
  return { viewer, joined, recv, caps: joined.routerRtpCapabilities as RtpCapabilities };
}

/** WebRTC transport ids the router still holds (its dump minus the room's own DirectTransport). */
async function webRtcTransportIds(showId: string): Promise<string[]> {
  const room = server.rooms.get(showId)!;
  const dump = await room.router.dump();
  return dump.transportIds.filter((id) => id !== room.directTransportId);
}

describe('studio authentication and ordering', () => {
  it('rejects a wrong token with UNAUTHORIZED and keeps the connection usable', async () => {
    const c = await client();
    await expectRpcError(c.rpc.request('studio.auth', { token: 'x'.repeat(32) }), 'UNAUTHORIZED');
    await expectRpcError(c.rpc.request('show.open', { title: 'nope' }), 'UNAUTHORIZED');
    const ok = await c.rpc.request('studio.auth', { token: server.studioToken });
    expect(ok.peerId).toBeTruthy();
    const opened = await c.rpc.request('show.open', { title: 'After retry' });
    expect(opened.show.status).toBe('ready');
  });

  it('rate-limits repeated wrong tokens on one connection', async () => {
    const c = await client();
    for (let i = 0; i < 5; i++) await expectRpcError(c.rpc.request('studio.auth', { token: `wrong-token-${i}-xxxxxxxx` }), 'UNAUTHORIZED');
    await expectRpcError(c.rpc.request('studio.auth', { token: server.studioToken }), 'RATE_LIMITED');
  });

  it('answers out-of-order calls with typed errors and changes nothing', async () => {
    const c = await client();
    await expectRpcError(
      c.rpc.request('produce', { transportId: 'abc', kind: 'audio', source: 'mic', rtpParameters: opusParameters() }),
      'UNAUTHORIZED',
    );
    await expectRpcError(c.rpc.request('show.goLive', { showId: 'abcdefgh' }), 'UNAUTHORIZED');
    await expectRpcError(c.rpc.request('transport.create', { direction: 'recv' }), 'UNAUTHORIZED');
    await expectRpcError(c.rpc.request('consume', { transportId: 'abc', rtpCapabilities: {} }), 'UNAUTHORIZED');
    await expectRpcError(c.rpc.request('consumer.resume', { consumerId: 'abc' }), 'UNAUTHORIZED');
    await c.rpc.request('studio.auth', { token: server.studioToken });
    await expectRpcError(c.rpc.request('transport.create', { direction: 'send' }), 'BAD_STATE'); // no show open
    const { showId } = await openShow('Other show');
    await expectRpcError(c.rpc.request('show.goLive', { showId }), 'BAD_STATE'); // not this session's show
    expect(server.shows.get(showId)!.status).toBe('ready');
    expect((await c.rpc.request('ping', {})).now).toBeGreaterThan(0);
  });

  it('viewer.join of an unknown show is NOT_FOUND, of a malformed id BAD_REQUEST', async () => {
    const v = await client();
    await expectRpcError(v.rpc.request('viewer.join', { showId: 'doesNotExist1' }), 'NOT_FOUND');
    await expectRpcError(v.rpc.request('viewer.join', { showId: '../etc' }), 'BAD_REQUEST');
    const s = await client('studio');
    await expectRpcError(s.rpc.request('show.open', { title: 'x', showId: 'doesNotExist1' }), 'NOT_FOUND');
    await expectRpcError(s.rpc.request('show.open', { title: '   ' }), 'BAD_REQUEST');
  });
});

describe('roles', () => {
  it('viewers may only consume: produce / produceData / send transports are FORBIDDEN; studios may not consume', async () => {
    const { studio, showId, send } = await openShow('Roles', { live: true });
    const { viewer, recv, caps } = await joinViewer(showId);
    await expectRpcError(
      viewer.rpc.request('produce', { transportId: recv!.id, kind: 'audio', source: 'mic', rtpParameters: opusParameters() }),
      'FORBIDDEN',
    );
    await expectRpcError(
      viewer.rpc.request('produceData', {
        transportId: recv!.id,
        sctpStreamParameters: { streamId: 1 },
        label: 'overlay',
        protocol: 'storecast-overlay/1',
      }),
      'FORBIDDEN',
    );
    await expectRpcError(viewer.rpc.request('transport.create', { direction: 'send' }), 'FORBIDDEN');
    await expectRpcError(viewer.rpc.request('show.end', { showId }), 'FORBIDDEN');
    await expectRpcError(viewer.rpc.request('studio.auth', { token: server.studioToken }), 'BAD_STATE');
    await expectRpcError(studio.rpc.request('consume', { transportId: send.id, rtpCapabilities: caps }), 'FORBIDDEN');
    await expectRpcError(studio.rpc.request('viewer.join', { showId }), 'FORBIDDEN');
    await expectRpcError(studio.rpc.request('transport.create', { direction: 'recv' }), 'FORBIDDEN');
    expect(server.rooms.get(showId)!.studio!.producers.size).toBe(0);
  });
});

describe('show lifecycle', () => {
  it('ready → viewer waits with capabilities → goLive pushes show.state and media.available → end pushes ended', async () => {
    const { studio, showId, opened } = await openShow('Lifecycle', { produce: true });
    expect(opened.show.status).toBe('ready');
    expect(opened.routerRtpCapabilities.codecs?.some((c) => c.mimeType === 'video/H264')).toBe(true);
    const { viewer, joined, recv, caps } = await joinViewer(showId);
    expect(joined.show.status).toBe('ready');
    expect(joined.routerRtpCapabilities).not.toBeNull();
    expect(joined.overlays).toEqual([]);
    expect(recv).not.toBeNull();
    // Not live yet: nothing to consume.
    expect(await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps })).toEqual({
      consumers: [],
      dataConsumers: [],
    });

    const live = await studio.rpc.request('show.goLive', { showId });
    expect(live.show.status).toBe('live');
    expect(live.show.startedAt).toBeGreaterThan(0);
    expect((await viewer.waitFor('show.state', (d) => d.show.status === 'live')).show.id).toBe(showId);
    await viewer.waitFor('media.available', (d) => d.showId === showId);
    const consumed = await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps });
    expect(consumed.consumers.map((c) => c.source).sort()).toEqual(['mic', 'program']);

    const ended = await studio.rpc.request('show.end', { showId });
    expect(ended.show.status).toBe('ended');
    expect((await viewer.waitFor('show.state', (d) => d.show.status === 'ended')).show.endedAt).toBeGreaterThan(0);
    await viewer.waitFor('consumer.closed');
    expect(server.rooms.has(showId)).toBe(false);
    expect(server.shows.get(showId)!.status).toBe('ended');
    await expectRpcError(viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps }), 'BAD_STATE');
    // Ended shows cannot be reopened; joining them says so without router capabilities.
    await expectRpcError(studio.rpc.request('show.open', { title: 'again', showId }), 'BAD_STATE');
    const late = await client();
    const lateJoin = await late.rpc.request('viewer.join', { showId });
    expect(lateJoin.show.status).toBe('ended');
    expect(lateJoin.routerRtpCapabilities).toBeNull();
    expect(server.rooms.has(showId)).toBe(false);
    // show.end is idempotent.
    expect((await studio.rpc.request('show.end', { showId })).show.status).toBe('ended');
  });

  it('show.open with a new title renames the show and tells the viewers', async () => {
    const { studio, showId } = await openShow('Old title');
    const { viewer } = await joinViewer(showId);
    const r = await studio.rpc.request('show.open', { title: 'New title', showId });
    expect(r.show.title).toBe('New title');
    expect((await viewer.waitFor('show.state', (d) => d.show.title === 'New title')).show.status).toBe('ready');
    expect(server.shows.get(showId)!.title).toBe('New title');
  });

  it('pushes coalesced viewers.count to the studio and viewers', async () => {
    const { studio, showId } = await openShow('Counting');
    const viewers = await Promise.all(Array.from({ length: 6 }, () => joinViewer(showId, false)));
    await studio.waitFor('viewers.count', (d) => d.count === 6);
    await sleep(400);
    // 6 joins within a few ms → at most one notification per 250 ms window, not one per join.
    expect(studio.count('viewers.count')).toBeLessThanOrEqual(3);
    await viewers[0]!.viewer.waitFor('viewers.count', (d) => d.count === 6);
    await Promise.all(viewers.slice(0, 4).map((v) => v.viewer.close()));
    await studio.waitFor('viewers.count', (d) => d.count === 2);
    expect(server.rooms.get(showId)!.viewerCount).toBe(2);
  });
});

describe('media objects on the SFU', () => {
  it('creates paused consumers once per producer, resumes them, maps quality to simulcast layers', async () => {
    const { studio, showId, send, producers } = await openShow('Media', { produce: true, live: true });
    const { viewer, recv, caps } = await joinViewer(showId);
    await viewer.rpc.request('transport.connect', { transportId: recv!.id, dtlsParameters: CLIENT_DTLS });
    const first = await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps });
    expect(first.consumers).toHaveLength(2);
    const video = first.consumers.find((c) => c.kind === 'video')!;
    const audio = first.consumers.find((c) => c.kind === 'audio')!;
    expect(video.producerId).toBe(producers.video);
    expect(video.source).toBe('program');
    expect(audio.source).toBe('mic');
    expect(video.producerPaused).toBe(false);
    // Idempotent: nothing new the second time.
    expect((await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps })).consumers).toEqual([]);

    const peer = server.rooms.get(showId)!.viewers.values().next().value!;
    const vc = peer.consumers.get(video.id)!;
    expect(vc.paused).toBe(true);
    expect(vc.type).toBe('simulcast');
    await viewer.rpc.request('consumer.resume', { consumerId: video.id });
    expect(vc.paused).toBe(false);

    expect(await viewer.rpc.request('consumer.setQuality', { consumerId: video.id, quality: 'low' })).toEqual({ quality: 'low' });
    expect(vc.preferredLayers?.spatialLayer).toBe(0);
    await viewer.rpc.request('consumer.setQuality', { consumerId: video.id, quality: 'medium' });
    expect(vc.preferredLayers?.spatialLayer).toBe(1);
    await viewer.rpc.request('consumer.setQuality', { consumerId: video.id, quality: 'auto' });
    expect(vc.preferredLayers?.spatialLayer).toBe(2);
    await expectRpcError(viewer.rpc.request('consumer.setQuality', { consumerId: audio.id, quality: 'high' }), 'BAD_REQUEST');
    await expectRpcError(viewer.rpc.request('consumer.resume', { consumerId: 'not-mine' }), 'NOT_FOUND');

    // Producer pause/resume at the studio reaches the viewer.
    await studio.rpc.request('producer.pause', { producerId: producers.audio! });
    await viewer.waitFor('consumer.paused', (d) => d.consumerId === audio.id);
    await studio.rpc.request('producer.resume', { producerId: producers.audio! });
    await viewer.waitFor('consumer.resumed', (d) => d.consumerId === audio.id);

    // Bad produce calls: kind/source mismatch, duplicate source, unknown transport, overlay rules.
    await expectRpcError(
      studio.rpc.request('produce', { transportId: send.id, kind: 'audio', source: 'program', rtpParameters: opusParameters(7000) }),
      'BAD_REQUEST',
    );
    await expectRpcError(
      studio.rpc.request('produce', { transportId: send.id, kind: 'audio', source: 'mic', rtpParameters: opusParameters(7000) }),
      'CONFLICT',
    );
    await expectRpcError(
      studio.rpc.request('produce', { transportId: 'nope', kind: 'audio', source: 'mic', rtpParameters: opusParameters(7000) }),
      'NOT_FOUND',
    );
    await expectRpcError(
      studio.rpc.request('produceData', { transportId: send.id, sctpStreamParameters: { streamId: 1 }, label: 'chat', protocol: 'x' }),
      'BAD_REQUEST',
    );
    const dp = await studio.rpc.request('produceData', {
      transportId: send.id,
      sctpStreamParameters: { streamId: 1, ordered: true },
      label: 'overlay',
      protocol: 'storecast-overlay/1',
    });
    await viewer.waitFor('media.available');
    const withData = await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps });
    expect(withData.consumers).toEqual([]);
    expect(withData.dataConsumers).toHaveLength(1);
    expect(withData.dataConsumers[0]).toMatchObject({
      dataProducerId: dp.dataProducerId,
      label: 'overlay',
      protocol: 'storecast-overlay/1',
    });
    await expectRpcError(
      studio.rpc.request('produceData', {
        transportId: send.id,
        sctpStreamParameters: { streamId: 2 },
        label: 'overlay',
        protocol: 'storecast-overlay/1',
      }),
      'CONFLICT',
    );
  });

  it('viewer.join with recv creates the transport and paused consumers in one round trip; a failing one changes nothing', async () => {
    const { showId, producers } = await openShow('Folded join', { produce: true, live: true });
    const caps = server.rooms.get(showId)!.router.rtpCapabilities as RtpCapabilities;
    const viewer = await client();
    // consumable capabilities that cannot receive H264: the join fails as a whole
    const noVideo = { ...caps, codecs: caps.codecs?.filter((c) => c.mimeType !== 'video/H264' && c.mimeType !== 'video/rtx') };
    await expectRpcError(viewer.rpc.request('viewer.join', { showId, recv: { rtpCapabilities: noVideo } }), 'BAD_REQUEST');
    expect(server.rooms.get(showId)!.viewers.size).toBe(0);
    expect(await webRtcTransportIds(showId)).toEqual([server.rooms.get(showId)!.studio!.transports.keys().next().value]);

    const joined = await viewer.rpc.request('viewer.join', { showId, recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps } });
    expect(joined.transport).not.toBeNull();
    expect(joined.transport!.sctpParameters).not.toBeNull();
    expect(joined.consumers.map((c) => c.producerId).sort()).toEqual([producers.video, producers.audio].sort());
    const peer = server.rooms.get(showId)!.viewers.values().next().value!;
    for (const c of joined.consumers) expect(peer.consumers.get(c.id)!.paused).toBe(true);
    // the same consumers are not offered again; resuming works as after `consume`
    expect((await viewer.rpc.request('consume', { transportId: joined.transport!.id, rtpCapabilities: caps })).consumers).toEqual([]);
    await viewer.rpc.request('consumer.resume', { consumerId: joined.consumers[0]!.id });
    expect(peer.consumers.get(joined.consumers[0]!.id)!.paused).toBe(false);

    expect(joined.transportConnected).toBe(false);

    // DTLS parameters known ahead (a pre-generated certificate): the join connects the transport as well
    const third = await client();
    const preconnected = await third.rpc.request('viewer.join', {
      showId,
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps, dtlsParameters: CLIENT_DTLS },
    });
    expect(preconnected.transportConnected).toBe(true);
    expect(preconnected.consumers).toHaveLength(2);
    await expectRpcError(
      third.rpc.request('transport.connect', { transportId: preconnected.transport!.id, dtlsParameters: CLIENT_DTLS }),
      'BAD_STATE',
    );
    // parameters mediasoup refuses fail the whole join: no membership, transport or consumers are left
    const viewersBefore = server.rooms.get(showId)!.viewers.size;
    const transportsBefore = (await webRtcTransportIds(showId)).length;
    const badDtls = { role: 'client' as const, fingerprints: [{ algorithm: 'md2', value: 'AA:BB' }] };
    await expectRpcError(
      (await client()).rpc.request('viewer.join', { showId, recv: { rtpCapabilities: caps, dtlsParameters: badDtls } }),
      'BAD_REQUEST',
    );
    expect(server.rooms.get(showId)!.viewers.size).toBe(viewersBefore);
    expect(await webRtcTransportIds(showId)).toHaveLength(transportsBefore);

    // transport only (no device capabilities yet), and no media at all without `recv`
    const second = await client();
    const transportOnly = await second.rpc.request('viewer.join', { showId, recv: { forceTcp: true } });
    expect(transportOnly.transport!.iceCandidates.every((c) => c.protocol === 'tcp')).toBe(true);
    expect(transportOnly.transport!.sctpParameters).toBeNull();
    expect(transportOnly.consumers).toEqual([]);
    const plain = await (await client()).rpc.request('viewer.join', { showId });
    expect(plain.transport).toBeNull();
    expect(plain.consumers).toEqual([]);
  });

  it('rejects mediasoup-invalid parameters as BAD_REQUEST without creating anything', async () => {
    const { studio, send } = await openShow('Bad params');
    const bad = simulcastVideoParameters();
    bad.codecs = [{ mimeType: 'video/H265', payloadType: 100, clockRate: 90000 }];
    await expectRpcError(
      studio.rpc.request('produce', { transportId: send.id, kind: 'video', source: 'program', rtpParameters: bad }),
      'BAD_REQUEST',
    );
    await expectRpcError(studio.rpc.request('transport.connect', { transportId: send.id, dtlsParameters: CLIENT_DTLS }), 'BAD_STATE');
    const noSctp = await studio.rpc.request('transport.create', { direction: 'send' });
    expect(noSctp.sctpParameters).toBeNull();
    await expectRpcError(
      studio.rpc.request('produceData', {
        transportId: noSctp.id,
        sctpStreamParameters: { streamId: 1 },
        label: 'overlay',
        protocol: 'storecast-overlay/1',
      }),
      'BAD_STATE',
    );
    const ice = await studio.rpc.request('transport.restartIce', { transportId: send.id });
    expect(ice.iceParameters.usernameFragment).toBeTruthy();
  });

  it('offers UDP and TCP candidates (TCP only when forced) and SCTP only when asked', async () => {
    const { showId } = await openShow('Candidates');
    const { viewer } = await joinViewer(showId, false);
    const both = await viewer.rpc.request('transport.create', { direction: 'recv' });
    expect(new Set(both.iceCandidates.map((c) => c.protocol))).toEqual(new Set(['udp', 'tcp']));
    expect(both.sctpParameters).toBeNull();
    const tcp = await viewer.rpc.request('transport.create', { direction: 'recv', forceTcp: true, sctpCapabilities: SCTP_CAPS });
    expect(tcp.iceCandidates.every((c) => c.protocol === 'tcp')).toBe(true);
    expect(tcp.sctpParameters).not.toBeNull();
    // Every candidate is the worker's WebRtcServer socket of its protocol (see sfu/capacity.test.ts).
    const { udpSockets, tcpServers } = await server.workers.webRtcServers[0]!.dump();
    const ports = { udp: udpSockets[0]!.port, tcp: tcpServers[0]!.port };
    for (const c of [...both.iceCandidates, ...tcp.iceCandidates]) {
      expect(c.address).toBe('127.0.0.1');
      expect(c.port).toBe(ports[c.protocol]);
    }
    await viewer.rpc.request('transport.create', { direction: 'recv' }); // 4th, with the one joinViewer created
    await expectRpcError(viewer.rpc.request('transport.create', { direction: 'recv' }), 'RATE_LIMITED');
  });
});

describe('disconnects, takeover and cleanup', () => {
  it('closes every transport of a socket that goes away (no leak)', async () => {
    const { showId } = await openShow('Leak check', { produce: true, live: true });
    const before = (await webRtcTransportIds(showId)).length; // the studio's send transport
    const { viewer, recv, caps } = await joinViewer(showId);
    await viewer.rpc.request('transport.create', { direction: 'recv', forceTcp: true });
    await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps });
    const room = server.rooms.get(showId)!;
    const peer = room.viewers.values().next().value!;
    const transports = [...peer.transports.values()];
    const consumers = [...peer.consumers.values()];
    expect(transports).toHaveLength(2);
    expect(consumers).toHaveLength(2);
    expect((await webRtcTransportIds(showId)).length).toBe(before + 2);
    await viewer.close();
    await until(() => room.viewerCount === 0, 2000, 'viewer removed');
    expect(transports.every((t) => t.closed)).toBe(true);
    expect(consumers.every((c) => c.closed)).toBe(true);
    expect(peer.transports.size + peer.consumers.size).toBe(0);
    expect((await webRtcTransportIds(showId)).length).toBe(before);
  });

  it('a second studio without the resume key gets CONFLICT; with it the old session is replaced', async () => {
    const { studio, showId, opened } = await openShow('Takeover', { produce: true, live: true });
    const intruder = await client('studio');
    await expectRpcError(intruder.rpc.request('show.open', { title: 'Takeover', showId }), 'CONFLICT');
    await expectRpcError(intruder.rpc.request('show.open', { title: 'Takeover', showId, resumeKey: 'wrong-key' }), 'CONFLICT');
    await expectRpcError(intruder.rpc.request('show.end', { showId }), 'CONFLICT');
    expect(server.rooms.get(showId)!.studio!.producers.size).toBe(2); // untouched

    const { viewer } = await joinViewer(showId);
    const oldPeerId = server.rooms.get(showId)!.studio!.id;
    const replacement = await client('studio');
    const resumed = await replacement.rpc.request('show.open', { title: 'Takeover', showId, resumeKey: opened.resumeKey });
    expect(resumed.show.status).toBe('live');
    expect(resumed.resumeKey).toBe(opened.resumeKey);
    expect((await studio.waitFor('session.replaced')).reason).toMatch(/resumed/);
    expect((await studio.closed).code).toBe(CLOSE_REPLACED);
    const room = server.rooms.get(showId)!;
    expect(room.studio!.id).not.toBe(oldPeerId);
    expect(room.studio!.producers.size).toBe(0); // old producers closed with the old session
    expect(viewer.received.some((n) => n.method === 'publisher.state' && !(n.data as { connected: boolean }).connected)).toBe(false);
    // The new session publishes; viewers are told to consume again.
    const send = await replacement.rpc.request('transport.create', { direction: 'send' });
    await replacement.rpc.request('produce', { transportId: send.id, kind: 'audio', source: 'mic', rtpParameters: opusParameters() });
    await viewer.waitFor('media.available');
  });

  it('publisher disconnect: viewers notified, show stays live for the grace period, resume republishes', async () => {
    const { studio, showId, opened } = await openShow('Reconnect', { produce: true, live: true });
    const { viewer, recv, caps } = await joinViewer(showId);
    const consumed = await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps });
    expect(consumed.consumers).toHaveLength(2);
    await studio.close();
    await viewer.waitFor('publisher.state', (d) => !d.connected);
    await until(() => viewer.count('consumer.closed') === 2, 2000, 'consumer.closed ×2');
    expect(server.shows.get(showId)!.status).toBe('live');

    const back = await client('studio');
    await back.rpc.request('show.open', { title: 'Reconnect', showId, resumeKey: opened.resumeKey });
    await viewer.waitFor('publisher.state', (d) => d.connected);
    const send = await back.rpc.request('transport.create', { direction: 'send' });
    await back.rpc.request('produce', {
      transportId: send.id,
      kind: 'video',
      source: 'program',
      rtpParameters: simulcastVideoParameters(9000),
    });
    await viewer.waitFor('media.available');
    const again = await viewer.rpc.request('consume', { transportId: recv!.id, rtpCapabilities: caps });
    expect(again.consumers.map((c) => c.source)).toEqual(['program']);
    await sleep(GRACE_MS + 300);
    expect(server.shows.get(showId)!.status).toBe('live'); // the grace timer was cancelled
  });

  it('ends the show when the publisher does not return within the grace period', async () => {
    const { studio, showId } = await openShow('Gone', { live: true });
    const { viewer } = await joinViewer(showId);
    await studio.close();
    await viewer.waitFor('publisher.state', (d) => !d.connected);
    const ended = await viewer.waitFor('show.state', (d) => d.show.status === 'ended', GRACE_MS + 2000);
    expect(ended.show.id).toBe(showId);
    expect(server.shows.get(showId)!.status).toBe('ended');
    expect(server.rooms.has(showId)).toBe(false);
  });

  it('closes the idle room of a not-yet-live show after the grace period, without ending it', async () => {
    const { studio, showId } = await openShow('Idle');
    await studio.close();
    await until(() => !server.rooms.has(showId), GRACE_MS + 2000, 'idle room closed');
    expect(server.shows.get(showId)!.status).toBe('ready');
    // It can be opened again later.
    const s2 = await client('studio');
    expect((await s2.rpc.request('show.open', { title: 'Idle', showId })).show.status).toBe('ready');
  });
});

describe('protocol robustness', () => {
  it('answers garbage, bad envelopes, unknown methods and binary frames with typed errors; the connection stays usable', async () => {
    const c = await client();
    const replies: unknown[] = [];
    c.ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    c.ws.send('{not json');
    c.ws.send(JSON.stringify({ t: 'req', id: 'seven', method: 'ping', data: {} }));
    c.ws.send(JSON.stringify({ t: 'req', id: 8, method: 'nope.nope', data: {} }));
    c.ws.send(JSON.stringify({ t: 'req', id: 9, method: 'viewer.join', data: { showId: 42 } }));
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await until(() => replies.length === 5, 2000, '5 replies');
    const codes = replies.map((r) => (r as { error?: { code: string } }).error?.code);
    expect(codes.sort()).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'UNKNOWN_METHOD']);
    expect(replies).toContainEqual(expect.objectContaining({ id: 8, ok: false }));
    expect(replies).toContainEqual(expect.objectContaining({ id: 9, ok: false }));
    expect((await c.rpc.request('ping', {})).now).toBeGreaterThan(0);
    expect(c.invalidFrames).toEqual([]);
  });

  it('closes an oversized frame with 1009 and keeps serving others', async () => {
    const other = await client();
    const c = await client();
    c.ws.send(JSON.stringify({ t: 'req', id: 1, method: 'ping', data: { pad: 'x'.repeat(MAX_MESSAGE_BYTES + 10) } }));
    expect((await c.closed).code).toBe(1009);
    expect((await other.rpc.request('ping', {})).now).toBeGreaterThan(0);
    const fresh = await client();
    expect((await fresh.rpc.request('ping', {})).now).toBeGreaterThan(0);
  });

  it('handles requests of one connection serially, in order', async () => {
    const { studio } = await openShow('Order');
    const order: string[] = [];
    const send = studio.rpc.request('transport.create', { direction: 'send' }).then(() => order.push('create'));
    const ping = studio.rpc.request('ping', {}).then(() => order.push('ping'));
    await Promise.all([send, ping]);
    expect(order).toEqual(['create', 'ping']);
  });

  it('keeps a socket that missed one heartbeat (a network outage of about one interval)', async () => {
    const hb = await startTestServer({}, { heartbeatMs: 150 });
    try {
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(hb.wsUrl, { autoPong: false });
      let pings = 0;
      // The first ping goes unanswered (the network was down), the later ones are answered.
      ws.on('ping', () => {
        if (++pings > 1) ws.pong();
      });
      let closed = false;
      ws.on('close', () => {
        closed = true;
      });
      await new Promise((r) => ws.once('open', r));
      await until(() => pings >= 4, 3000, 'pings');
      expect(closed).toBe(false);
      expect(hb.signaling.sessions.size).toBe(1);
      ws.close();
    } finally {
      await hb.close();
    }
  });

  it('terminates a socket that stops answering pings', async () => {
    const hb = await startTestServer({}, { heartbeatMs: 100 });
    try {
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(hb.wsUrl, { autoPong: false });
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      await new Promise((r) => ws.once('open', r));
      await until(() => hb.signaling.sessions.size === 1, 1000, 'session');
      expect(await closed).toBe(1006); // terminated, no close frame
      await until(() => hb.signaling.sessions.size === 0, 1000, 'session released');
    } finally {
      await hb.close();
    }
  });
});

describe('media worker failure', () => {
  it('disconnects the rooms of a dead worker with 1012, respawns it, and serves the show again', async () => {
    const s = await startTestServer({ publisherGraceMs: 5000 });
    try {
      const studio = await connectStudio(s);
      const opened = await studio.rpc.request('show.open', { title: 'Crash' });
      await studio.rpc.request('show.goLive', { showId: opened.show.id });
      const viewer = await connect(s);
      await viewer.rpc.request('viewer.join', { showId: opened.show.id });
      const [worker] = s.workers.workers;
      process.kill(worker!.pid, 'SIGKILL');
      expect((await viewer.closed).code).toBe(1012);
      expect((await studio.closed).code).toBe(1012);
      expect(s.rooms.has(opened.show.id)).toBe(false);
      await until(() => s.workers.workers.length === 1 && s.workers.workers[0] !== worker, 5000, 'worker respawned');
      // Both come back: the show is still live and gets a fresh room on the new worker.
      const studio2 = await connectStudio(s);
      const reopened = await studio2.rpc.request('show.open', { title: 'Crash', showId: opened.show.id });
      expect(reopened.show.status).toBe('live');
      const viewer2 = await connect(s);
      const joined = await viewer2.rpc.request('viewer.join', { showId: opened.show.id });
      expect(joined.routerRtpCapabilities).not.toBeNull();
      await Promise.all([studio2.close(), viewer2.close()]);
    } finally {
      await s.close();
    }
  });
});
