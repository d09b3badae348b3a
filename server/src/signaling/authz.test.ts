/**
 * Authorization on the real signaling server, generated from the contract: for every method, every kind of
 * connection its declared `caller` leaves out is refused — UNAUTHORIZED before it identified itself, FORBIDDEN
 * after — before the payload is looked at (the requests carry an empty payload), and nothing changes.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MethodCaller, type Role, rolesOf } from '../../../shared/protocol/rpc';
import { type SignalingMethods, signalingMethods } from '../../../shared/protocol/signaling';
import { errorCodes, everyCode } from '../testing/error-codes';
import { connect, connectStudio, type TestClient, type TestServer, startTestServer } from '../testing/harness';

type Method = keyof SignalingMethods & string;
const METHODS = Object.keys(signalingMethods) as Method[];
const admits = (declared: MethodCaller, role: Role) => declared === 'any' || rolesOf(declared).includes(role);
const refusedTo = (role: Role) => METHODS.filter((m) => !admits(signalingMethods[m].caller, role));

let server: TestServer;
const logLines: { level: number; msg: string; code?: string }[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  server = await startTestServer({}, { logger });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
});

/** Each method's error code for a request with an empty payload from `c`. */
const refusals = (c: TestClient, methods: Method[]) => errorCodes((m) => c.rpc.request(m, {} as never), methods);

async function studioWithShow(title: string) {
  const studio = await connectStudio(server);
  clients.push(studio);
  const { show } = await studio.rpc.request('show.open', { title });
  return { studio, showId: show.id };
}

describe('signaling: who may call what (generated from the contract)', () => {
  it('a connection that has not identified itself gets UNAUTHORIZED for every method not open to anyone', async () => {
    const c = await connect(server);
    clients.push(c);
    const closed = METHODS.filter((m) => signalingMethods[m].caller !== 'any');
    expect(closed.length).toBeGreaterThan(0);
    expect(await refusals(c, closed)).toEqual(everyCode(closed, 'UNAUTHORIZED'));
  });

  it('a viewer gets FORBIDDEN for every method it is not declared for, and the show is untouched', async () => {
    const { showId } = await studioWithShow('Viewer refusals');
    const viewer = await connect(server);
    clients.push(viewer);
    await viewer.rpc.request('viewer.join', { showId });
    const forbidden = refusedTo('viewer');
    expect(forbidden).toContain('show.end');
    expect(await refusals(viewer, forbidden)).toEqual(everyCode(forbidden, 'FORBIDDEN'));
    expect(server.shows.get(showId)!.status).toBe('ready');
    expect(server.rooms.get(showId)!.studio!.producers.size).toBe(0);
  });

  it('the studio gets FORBIDDEN for every method it is not declared for', async () => {
    const { studio, showId } = await studioWithShow('Studio refusals');
    const forbidden = refusedTo('studio');
    expect(forbidden).toContain('consume');
    expect(await refusals(studio, forbidden)).toEqual(everyCode(forbidden, 'FORBIDDEN'));
    expect(server.rooms.get(showId)!.viewerCount).toBe(0);
  });

  it('does not log refused requests as warnings or errors', async () => {
    const viewer = await connect(server);
    clients.push(viewer);
    logLines.length = 0;
    expect((await refusals(viewer, ['show.goLive']))['show.goLive']).not.toBeNull();
    const { showId } = await studioWithShow('Quiet refusals');
    await viewer.rpc.request('viewer.join', { showId });
    expect((await refusals(viewer, ['show.end']))['show.end']).not.toBeNull();
    viewer.ws.send(JSON.stringify({ t: 'req', id: 99, method: 'consume', data: { transportId: 'x y' } }));
    await viewer.rpc.request('ping', {});
    const loud = logLines.filter((l) => l.level >= 40);
    expect(loud).toEqual([]);
  });
});
