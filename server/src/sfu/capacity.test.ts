/**
 * Media capacity on a real server (real mediasoup worker): every WebRTC transport goes through its worker's one
 * WebRtcServer (one UDP + one TCP port shared by all), transports are capped per client IP (across all of that IP's
 * signaling sockets; the studio is exempt) and in total, and a refusal is a typed UNAVAILABLE reply that is logged
 * as a rate-limited warning, never as an error. Other client IPs are simulated by connecting from 127.0.0.x.
 */
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { RpcError } from '../../../shared/protocol/rpc';
import type { TransportOptions } from '../../../shared/protocol/signaling';
import { clientKey } from './capacity';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, publishShow, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';

const clients: TestClient[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

interface LogLine {
  level: number;
  msg: string;
  err?: unknown;
  [k: string]: unknown;
}

async function server(config: Parameters<typeof startTestServer>[0], lines?: LogLine[]): Promise<TestServer> {
  const logger = lines ? pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }) : undefined;
  const s = await startTestServer({ publisherGraceMs: 60_000, ...config }, logger ? { logger } : {});
  servers.push(s);
  return s;
}

async function client(s: TestServer, from = '127.0.0.1'): Promise<TestClient> {
  const c = await connect(s, { localAddress: from });
  clients.push(c);
  return c;
}

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => new Error('expected the request to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

/** A live show with a connected send transport, video and audio producers. */
async function liveShow(s: TestServer, from = '127.0.0.1') {
  const show = await publishShow(s, { title: 'Capacity', localAddress: from });
  clients.push(show.studio);
  return show;
}

/** viewer.join with a recv transport and consumers, as the viewer page does. */
function join(viewer: TestClient, showId: string, caps?: RtpCapabilities, forceTcp = false) {
  return viewer.rpc.request('viewer.join', {
    showId,
    recv: { sctpCapabilities: SCTP_CAPS, ...(caps && { rtpCapabilities: caps }), ...(forceTcp && { forceTcp }) },
  });
}

async function caps(s: TestServer): Promise<RtpCapabilities> {
  return (await s.workers.routerRtpCapabilities()) as RtpCapabilities;
}

describe('clientKey', () => {
  it('counts IPv4 per address (also when IPv4-mapped) and IPv6 per /64, however it is written', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:0db8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:DB8:0:2::9')).not.toBe(clientKey('2001:db8:0:1::9'));
  });
});

describe('WebRtcServer: one UDP and one TCP port per worker', () => {
  it('gives every transport of a worker the same two ports (UDP, and TCP also when TCP is forced)', async () => {
    const s = await server({});
    const { showId, send } = await liveShow(s);
    const webRtcServer = s.workers.webRtcServers[0]!;
    const dump = await webRtcServer.dump();
    const udpPort = dump.udpSockets[0]!.port;
    const tcpPort = dump.tcpServers[0]!.port;
    expect(udpPort).toBeGreaterThan(0);
    expect(tcpPort).toBeGreaterThan(0);
    const transports: TransportOptions[] = [send];
    for (const from of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
      transports.push((await join(await client(s, from), showId)).transport!);
    }
    const tcpOnly = (await join(await client(s), showId, undefined, true)).transport!;
    expect(tcpOnly.iceCandidates.map((c) => [c.protocol, c.port])).toEqual([['tcp', tcpPort]]);
    for (const t of transports) {
      expect(t.iceCandidates.map((c) => [c.protocol, c.port, c.address]).sort()).toEqual([
        ['tcp', tcpPort, '127.0.0.1'],
        ['udp', udpPort, '127.0.0.1'],
      ]);
    }
    expect((await webRtcServer.dump()).webRtcTransportIds.sort()).toEqual([...transports, tcpOnly].map((t) => t.id).sort());
  });
});

describe('transport caps', () => {
  it('caps transports per client IP across its sockets, exempts the studio, and frees the count on close', async () => {
    const lines: LogLine[] = [];
    const s = await server({ sfuMaxTransportsPerIp: 3, sfuMaxTransports: 100 }, lines);
    // The studio shares the viewers' IP; its transports do not count against that IP.
    const { studio, showId } = await liveShow(s);
    const rtp = await caps(s);
    const a = await client(s);
    const joinedA = await join(a, showId, rtp);
    expect(joinedA.consumers).toHaveLength(2);
    await a.rpc.request('transport.create', { direction: 'recv' }); // a's second: 2 for 127.0.0.1
    const b = await client(s);
    await join(b, showId, rtp); // 3
    const c = await client(s);
    const refused = await rpcError(join(c, showId, rtp));
    expect(refused.code).toBe('UNAVAILABLE');
    expect(refused.message).toMatch(/full|capacity|too many/i);
    expect((await rpcError(b.rpc.request('transport.create', { direction: 'recv' }))).code).toBe('UNAVAILABLE');
    // A refused join leaves the viewer outside the show and its socket usable.
    const room = s.rooms.get(showId)!;
    expect(room.viewers.size).toBe(2);
    await c.rpc.request('ping', {});
    // The studio is exempt: it still gets a transport.
    await studio.rpc.request('transport.create', { direction: 'send' });
    // The viewers already in keep working.
    for (const consumer of joinedA.consumers) await a.rpc.request('consumer.resume', { consumerId: consumer.id });
    expect(room.viewers.get(joinedA.peerId)!.transports.size).toBe(2);
    // Another IP still joins.
    const other = await client(s, '127.0.0.2');
    expect((await join(other, showId, rtp)).consumers).toHaveLength(2);
    // Closing a's socket frees its two transports: c gets in, and one more after it.
    await a.close();
    await until(() => room.viewers.size === 2, 4000, 'a left');
    expect((await join(c, showId, rtp)).consumers).toHaveLength(2);
    await b.rpc.request('transport.create', { direction: 'recv' });
    expect((await rpcError(b.rpc.request('transport.create', { direction: 'recv' }))).code).toBe('UNAVAILABLE');
    // Leaving (a re-join without recv) frees the count too.
    await b.rpc.request('viewer.join', { showId });
    await b.rpc.request('transport.create', { direction: 'recv' });
    // Refusals are warnings at most, rate-limited (not one line per refused request), never errors.
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    // Four refusals above: one warning line, without a stack.
    const warnings = lines.filter((l) => l.level === 40 && /capacity|request failed/.test(l.msg));
    expect(warnings.map((l) => l.msg)).toEqual(['media transport capacity reached; refusing new transports']);
    expect(warnings.every((l) => l.err === undefined)).toBe(true);
  });

  it('caps transports in total (the studio is never refused) and frees the count on close', async () => {
    const s = await server({ sfuMaxTransportsPerIp: 10, sfuMaxTransports: 3 });
    const { studio, showId } = await liveShow(s); // 1
    const rtp = await caps(s);
    const v2 = await client(s, '127.0.0.2');
    await join(v2, showId, rtp); // 2
    const v3 = await client(s, '127.0.0.3');
    await join(v3, showId, rtp); // 3
    const v4 = await client(s, '127.0.0.4');
    const refused = await rpcError(join(v4, showId, rtp));
    expect(refused.code).toBe('UNAVAILABLE');
    expect(refused.message).toMatch(/full|capacity/i);
    await studio.rpc.request('transport.create', { direction: 'send' });
    await v2.close();
    await until(() => s.rooms.get(showId)!.viewers.size === 1, 4000, 'v2 left');
    // Still full: the studio's second transport took v2's place.
    expect((await rpcError(join(v4, showId, rtp))).code).toBe('UNAVAILABLE');
    await v3.close();
    expect((await join(v4, showId, rtp)).consumers).toHaveLength(2);
  });

  it('releases the counts of the transports a dead worker took with it', async () => {
    const s = await server({ sfuMaxTransportsPerIp: 2, sfuMaxTransports: 100 });
    const { showId } = await liveShow(s, '127.0.0.9');
    const v1 = await client(s);
    const v2 = await client(s);
    await join(v1, showId);
    await join(v2, showId);
    expect((await rpcError(join(await client(s), showId))).code).toBe('UNAVAILABLE');
    const worker = s.workers.workers[0]!;
    const pid = worker.pid;
    process.kill(pid, 'SIGKILL');
    await Promise.all([v1.closed, v2.closed]);
    await until(() => s.workers.workers.length === 1 && s.workers.workers[0]!.pid !== pid, 10_000, 'worker respawned');
    const { showId: again } = await liveShow(s, '127.0.0.9');
    await join(await client(s), again);
    await join(await client(s), again);
    expect((await rpcError(join(await client(s), again))).code).toBe('UNAVAILABLE');
  });
});
