/**
 * Authorization on the real realtime server, generated from the contract (engagement methods included): before
 * `hello` every method not open to anyone is UNAUTHORIZED; after it, each kind of connection — guest viewer,
 * moderator, owner account, studio token — gets FORBIDDEN for every method its roles are not declared for, before
 * the payload is looked at (the requests carry an empty payload), and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResult } from '../../../shared/realtime/accounts';
import { type RealtimeMethods, realtimeMethods } from '../../../shared/protocol/realtime';
import { type MethodCaller, type Role, rolesOf } from '../../../shared/protocol/rpc';
import { errorCodes, everyCode } from '../testing/error-codes';
import { RtClient, startRealtimeServer, type TestServer } from './testing';

type Method = keyof RealtimeMethods & string;
const METHODS = Object.keys(realtimeMethods) as Method[];
const admits = (declared: MethodCaller, roles: readonly Role[]) => declared === 'any' || rolesOf(declared).some((r) => roles.includes(r));

let server: TestServer;
const clients: RtClient[] = [];

async function post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function socket(cookie?: string): Promise<RtClient> {
  const c = await RtClient.connect(server.wsUrl(), cookie ? { cookie } : {});
  clients.push(c);
  return c;
}

/** Each method's error code for a request with an empty payload from `c`. */
const codes = (c: RtClient, methods: Method[]) => errorCodes((m) => c.request(m, {} as never), methods);

/** What the server's tables hold that a refused staff method could have changed. */
function state() {
  const count = (table: string) => (server.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return ['realtime_audit', 'realtime_canned', 'realtime_bans', 'realtime_settings', 'giveaways', 'red_packets'].map((t) => [t, count(t)]);
}

beforeAll(async () => {
  server = await startRealtimeServer();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

describe('realtime: who may call what (generated from the contract)', () => {
  it('before hello, every method not open to anyone is UNAUTHORIZED', async () => {
    const closed = METHODS.filter((m) => realtimeMethods[m].caller !== 'any');
    expect(closed).toContain('giveaway.start');
    const guest = await socket(server.guestCookie());
    expect(await codes(guest, closed)).toEqual(everyCode(closed, 'UNAUTHORIZED'));
  });

  it('each role gets FORBIDDEN for every method it is not declared for, and nothing changes', async () => {
    const owner = await post<LoginResult>(
      '/api/setup',
      { name: 'Owner', password: 'owner-password-1' },
      { authorization: `Bearer ${server.studioToken}` },
    );
    const invite = await post<{ code: string }>('/api/accounts/invites', {}, { authorization: `Bearer ${owner.token}` });
    const mod = await post<LoginResult>('/api/accounts/accept', { code: invite.code, name: 'Mod', password: 'mod-password-1' });
    const connections: { who: string; roles: readonly Role[]; token?: string; cookie?: string }[] = [
      { who: 'guest viewer', roles: ['viewer'], cookie: server.guestCookie() },
      { who: 'watcher without a guest session', roles: ['viewer'] },
      { who: 'moderator', roles: ['viewer', 'staff'], token: mod.token },
      { who: 'owner', roles: ['viewer', 'staff', 'owner'], token: owner.token },
      { who: 'studio', roles: ['viewer', 'staff', 'owner'], token: server.studioToken },
    ];
    let refusedToViewer = 0;
    for (const { who, roles, token, cookie } of connections) {
      const c = await socket(cookie);
      const hello = await c.hello(token ? { token } : {});
      expect(hello.you.role, who).toBe(roles.includes('owner') ? 'owner' : roles.includes('staff') ? 'moderator' : 'viewer');
      const forbidden = METHODS.filter((m) => !admits(realtimeMethods[m].caller, roles));
      if (roles.length === 1) refusedToViewer = forbidden.length;
      const before = state();
      expect({ who, codes: await codes(c, forbidden) }).toEqual({ who, codes: everyCode(forbidden, 'FORBIDDEN') });
      expect(state(), who).toEqual(before);
    }
    expect(refusedToViewer).toBeGreaterThan(20);
  });
});
