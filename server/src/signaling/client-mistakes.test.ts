/**
 * Client mistakes on the sockets are the client's: an oversized frame, a text frame that is not UTF-8, nonsense RTP
 * capabilities. Each is refused (closed, or answered with a typed error), the server logs it as a warning at most,
 * without a stack, and a client repeating it cannot fill the log.
 */
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, RpcError } from '../../../shared/protocol/rpc';
import { REALTIME_PATH } from '../../../shared/protocol/realtime';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, publishShow, type TestServer, startTestServer } from '../testing/harness';

let server: TestServer;
type Line = { level: number; msg: string; err?: unknown };
const logLines: Line[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  server = await startTestServer({}, { logger });
});
afterAll(async () => {
  await server?.close();
});

/** Open a raw socket, send one frame, and wait for the server to close it (or not, within 2 s). */
async function sendRaw(url: string, frame: Buffer | string, binary: boolean): Promise<number | null> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(frame, { binary });
  const code = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 2000))]);
  ws.terminate();
  return code;
}

const noisy = (from: number) =>
  logLines.slice(from).filter((l) => l.level >= 50 || (l.level >= 40 && JSON.stringify(l).includes('    at ')));

describe('client mistakes on the sockets', () => {
  const urls = () => {
    const show = server.shows.create('Mistakes');
    return [server.wsUrl, `${server.url.replace(/^http/, 'ws')}${REALTIME_PATH}?showId=${show.id}`];
  };

  it('an oversized frame closes that socket (1009) and is not a server error', async () => {
    const from = logLines.length;
    for (const url of urls()) {
      for (let i = 0; i < 5; i++) expect(await sendRaw(url, 'x'.repeat(MAX_MESSAGE_BYTES * 4), false)).toBe(1009);
    }
    expect(noisy(from)).toEqual([]);
    // Repeated: at most one warning per kind of mistake per second, not one per socket.
    expect(logLines.slice(from).filter((l) => l.level === 40).length).toBeLessThanOrEqual(2);
  });

  it('a text frame that is not UTF-8 closes that socket (1007) and is not a server error', async () => {
    const from = logLines.length;
    const bad = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    for (const url of urls()) {
      for (let i = 0; i < 5; i++) expect(await sendRaw(url, bad, false)).toBe(1007);
    }
    expect(noisy(from)).toEqual([]);
    expect(logLines.slice(from).filter((l) => l.level === 40).length).toBeLessThanOrEqual(2);
  });

  it('RTP capabilities mediasoup rejects are a BAD_REQUEST, not an INTERNAL error', async () => {
    const { studio, showId } = await publishShow(server, { title: 'Caps' });
    const from = logLines.length;
    const viewer = await connect(server);
    const nonsense = [
      { codecs: [{ kind: 'video', mimeType: 'no-slash', clockRate: 90000 }] },
      { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, preferredPayloadType: 300 }] },
      { headerExtensions: [{ kind: 'video', uri: '', preferredId: -5 }] },
    ];
    for (const rtpCapabilities of nonsense) {
      const err = await viewer.rpc
        .request('viewer.join', { showId: showId, recv: { rtpCapabilities: rtpCapabilities as never, sctpCapabilities: SCTP_CAPS } })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe('BAD_REQUEST');
    }
    expect(noisy(from)).toEqual([]);
    await viewer.close();
    await studio.close();
  });
});
