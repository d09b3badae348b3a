import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoginResult } from '../../../shared/realtime/accounts';
import { RtClient, startRealtimeServer, type TestServer } from '../realtime/testing';
import { Accounts } from './accounts';
import { hashPassword, verifyPassword } from './passwords';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function call(s: TestServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(s.url + path, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string } }, res };
}

const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('sc_staff='))!;

/** The setup code the server printed at start-up (the file in its data dir), as the operator would copy it. */
const codeFile = (s: TestServer) => join(s.dataDir, 'setup-code');
const setupCodeOf = (s: TestServer) => readFileSync(codeFile(s), 'utf8').trim();
const ownerCount = (s: TestServer) => (s.db.prepare(`SELECT COUNT(*) AS n FROM accounts WHERE role = 'owner'`).get() as { n: number }).n;

describe('scrypt passwords', () => {
  it('hashes with a per-user salt and verifies in constant time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse battery', b)).toBe(true);
    expect(await verifyPassword('correct horse batterz', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    // Tampered or malformed hashes never verify.
    const parts = a.split('$');
    parts[5] = `A${parts[5]!.slice(1)}` === parts[5] ? `B${parts[5]!.slice(1)}` : `A${parts[5]!.slice(1)}`;
    expect(await verifyPassword('correct horse battery', parts.join('$'))).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
  });
});

describe('accounts API', () => {
  it('first-run setup, login, me, logout', async () => {
    server = await startRealtimeServer();
    const s = server;
    expect((await call(s, 'GET', '/api/setup')).json).toEqual({ needed: true });
    const bad = await call(s, 'POST', '/api/setup', { name: 'O', password: 'short', setupCode: setupCodeOf(s) });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe('BAD_REQUEST');
    const setup = await call(s, 'POST', '/api/setup', { name: 'Owner', password: 'owner-password-1', setupCode: setupCodeOf(s) });
    expect(setup.status).toBe(201);
    expect(setup.json).toMatchObject({ account: { name: 'Owner', role: 'owner', disabled: false } });
    const cookie = cookieOf(setup.res);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    // The password is stored as an scrypt hash only.
    const row = s.db.prepare('SELECT password_hash FROM accounts').get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('owner-password-1');
    expect((await call(s, 'GET', '/api/setup')).json).toEqual({ needed: false });
    // Setup is closed now — except with the studio token.
    expect((await call(s, 'POST', '/api/setup', { name: 'Intruder', password: 'intruder-pass' })).status).toBe(409);
    const viaStudio = await call(
      s,
      'POST',
      '/api/setup',
      { name: 'Second Owner', password: 'second-owner-pw' },
      { authorization: `Bearer ${s.studioToken}` },
    );
    expect(viaStudio.status).toBe(201);

    expect((await call(s, 'POST', '/api/auth/login', { name: 'owner', password: 'wrong-password' })).status).toBe(401);
    expect((await call(s, 'POST', '/api/auth/login', { name: 'nobody', password: 'wrong-password' })).status).toBe(401);
    const login = await call(s, 'POST', '/api/auth/login', { name: 'OWNER', password: 'owner-password-1' });
    expect(login.status).toBe(200);
    const { token } = login.json as unknown as LoginResult;
    const pageCookie = cookieOf(login.res).split(';')[0]!;
    expect((await call(s, 'GET', '/api/auth/me', undefined, { cookie: pageCookie })).json).toMatchObject({
      kind: 'account',
      account: { name: 'Owner' },
    });
    expect((await call(s, 'GET', '/api/auth/me', undefined, { authorization: `Bearer ${token}` })).json).toMatchObject({ kind: 'account' });
    expect((await call(s, 'GET', '/api/auth/me', undefined, { authorization: `Bearer ${s.studioToken}` })).json).toEqual({
      kind: 'studio',
      role: 'owner',
    });
    expect((await call(s, 'GET', '/api/auth/me')).status).toBe(401);
    // Cross-origin login is refused.
    expect(
      (await call(s, 'POST', '/api/auth/login', { name: 'Owner', password: 'owner-password-1' }, { origin: 'https://evil.example' }))
        .status,
    ).toBe(403);

    expect((await call(s, 'POST', '/api/auth/logout', {}, { cookie: pageCookie })).status).toBe(200);
    expect((await call(s, 'GET', '/api/auth/me', undefined, { cookie: pageCookie })).status).toBe(401);
    // The cookie and the bearer token of one login are the same session; another session (from setup) lives on.
    expect((await call(s, 'GET', '/api/auth/me', undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
    const setupToken = (setup.json as unknown as LoginResult).token;
    expect((await call(s, 'GET', '/api/auth/me', undefined, { authorization: `Bearer ${setupToken}` })).status).toBe(200);
  });

  it('throttles repeated failed logins', async () => {
    server = await startRealtimeServer();
    const s = server;
    await call(s, 'POST', '/api/setup', { name: 'Owner', password: 'owner-password-1', setupCode: setupCodeOf(s) });
    const statuses = [];
    for (let i = 0; i < 9; i++)
      statuses.push((await call(s, 'POST', '/api/auth/login', { name: 'Owner', password: `guess-${i}-xx` })).status);
    expect(statuses.slice(0, 8).every((st) => st === 401)).toBe(true);
    expect(statuses[8]).toBe(429);
    expect((await call(s, 'POST', '/api/auth/login', { name: 'Owner', password: 'owner-password-1' })).status).toBe(429);
  });

  it('owner invites a moderator with a one-time code; roles are enforced on HTTP and on the socket', async () => {
    server = await startRealtimeServer();
    const s = server;
    const owner = (await call(s, 'POST', '/api/setup', { name: 'Owner', password: 'owner-password-1', setupCode: setupCodeOf(s) }))
      .json as unknown as LoginResult;
    const auth = { authorization: `Bearer ${owner.token}` };
    expect((await call(s, 'POST', '/api/accounts/invites', {})).status).toBe(401);
    const invite = await call(s, 'POST', '/api/accounts/invites', { ttlHours: 1 }, auth);
    expect(invite.status).toBe(201);
    const code = invite.json.code as string;
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM account_invites WHERE code_hash = ?').get(code)).toEqual({ n: 0 }); // hashed at rest
    const accepted = await call(s, 'POST', '/api/accounts/accept', { code, name: '小红', password: 'moderator-pw-1' });
    expect(accepted.status).toBe(201);
    const mod = accepted.json as unknown as LoginResult;
    expect(mod.account).toMatchObject({ name: '小红', role: 'moderator' });
    // One-time.
    expect((await call(s, 'POST', '/api/accounts/accept', { code, name: 'Another', password: 'another-pw-12' })).status).toBe(404);
    expect(
      (await call(s, 'POST', '/api/accounts/accept', { code: 'A'.repeat(24), name: 'Another', password: 'another-pw-12' })).status,
    ).toBe(404);
    // Duplicate names are refused (case/width-insensitive).
    const invite2 = (await call(s, 'POST', '/api/accounts/invites', {}, auth)).json.code as string;
    expect((await call(s, 'POST', '/api/accounts/accept', { code: invite2, name: 'OWNER', password: 'another-pw-12' })).status).toBe(409);
    // Moderators cannot invite or list accounts.
    const modAuth = { authorization: `Bearer ${mod.token}` };
    expect((await call(s, 'POST', '/api/accounts/invites', {}, modAuth)).status).toBe(403);
    expect((await call(s, 'GET', '/api/accounts', undefined, modAuth)).status).toBe(403);
    const list = await call(s, 'GET', '/api/accounts', undefined, auth);
    expect((list.json.accounts as { name: string }[]).map((a) => a.name)).toEqual(['Owner', '小红']);

    // On the socket: the moderator's page cookie gives the moderator role (same-origin handshake).
    const modCookie = cookieOf(accepted.res).split(';')[0]!;
    const ws = await RtClient.connect(s.wsUrl(), { cookie: modCookie });
    const hello = await ws.hello();
    expect(hello.you).toMatchObject({ role: 'moderator', name: '小红', canPost: true });
    expect((await ws.request('question.list', {})).questions).toEqual([]);
    // A bad token is refused; a viewer socket is FORBIDDEN for staff methods.
    const v = await RtClient.connect(s.wsUrl(), { cookie: s.guestCookie() });
    await expect(v.request('hello', { deviceId: 'dev_12345678', token: 'x'.repeat(40) })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await v.hello();
    for (const [method, data] of [
      ['question.list', {}],
      ['mod.slowMode', { seconds: 5 }],
      ['mod.announce', { text: 'hi' }],
      ['filter.get', {}],
      ['audit.list', {}],
      ['mod.bans', {}],
    ] as const) {
      await expect(v.request(method, data as never), method).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }

    // Disabling the moderator ends its sessions.
    expect((await call(s, 'DELETE', `/api/accounts/${mod.account.id}`, undefined, auth)).status).toBe(200);
    expect((await call(s, 'GET', '/api/auth/me', undefined, modAuth)).status).toBe(401);
    expect((await call(s, 'POST', '/api/auth/login', { name: '小红', password: 'moderator-pw-1' })).status).toBe(401);
    expect((await call(s, 'DELETE', `/api/accounts/${owner.account.id}`, undefined, auth)).status).toBe(403);
    ws.close();
    v.close();
  });
});

describe('first-run owner claim', () => {
  const sameOrigin = (s: TestServer) => ({ origin: s.url });

  it('refuses a same-origin setup without the setup code or with a wrong one, and creates nothing', async () => {
    server = await startRealtimeServer();
    const s = server;
    const missing = await call(s, 'POST', '/api/setup', { name: 'Intruder', password: 'intruder-pass' }, sameOrigin(s));
    expect(missing.status).toBe(401);
    expect(missing.json.error?.code).toBe('UNAUTHORIZED');
    expect(ownerCount(s)).toBe(0);
    // The code exists from start-up, readable by the server's user only.
    expect(setupCodeOf(s)).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    expect(statSync(codeFile(s)).mode & 0o777).toBe(0o600);
    const right = setupCodeOf(s);
    const wrong = `${right.slice(0, -1)}${right.endsWith('0') ? '1' : '0'}`;
    const guessed = await call(s, 'POST', '/api/setup', { name: 'Intruder', password: 'intruder-pass', setupCode: wrong }, sameOrigin(s));
    expect(guessed.status).toBe(401);
    expect(guessed.json.error?.code).toBe('UNAUTHORIZED');
    // A bearer that is not the studio token is no proof either.
    const bearer = await call(
      s,
      'POST',
      '/api/setup',
      { name: 'Intruder', password: 'intruder-pass' },
      { authorization: `Bearer ${'x'.repeat(43)}` },
    );
    expect(bearer.status).toBe(401);
    expect(ownerCount(s)).toBe(0);
    expect((await call(s, 'GET', '/api/setup')).json).toEqual({ needed: true });
    expect(setupCodeOf(s)).toBe(right);
  });

  it('creates the owner with the setup code, deletes its file, and the code no longer works', async () => {
    server = await startRealtimeServer();
    const s = server;
    const code = setupCodeOf(s);
    // Typed by hand: case, spaces and dashes do not matter.
    const typed = code.toLowerCase().replaceAll('-', ' ');
    const created = await call(s, 'POST', '/api/setup', { name: 'Owner', password: 'owner-password-1', setupCode: typed }, sameOrigin(s));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ account: { name: 'Owner', role: 'owner' } });
    expect(existsSync(codeFile(s))).toBe(false);
    expect(ownerCount(s)).toBe(1);
    const again = await call(s, 'POST', '/api/setup', { name: 'Second', password: 'second-password', setupCode: code }, sameOrigin(s));
    expect(again.status).toBe(409);
    expect(ownerCount(s)).toBe(1);
    // A restart with an owner does not bring a code back; a stale file left behind is removed.
    writeFileSync(codeFile(s), `${code}\n`);
    await Accounts.open({ db: s.db, studioToken: s.studioToken, dataDir: s.dataDir });
    expect(existsSync(codeFile(s))).toBe(false);
  });

  it('keeps the same code across a restart while no owner exists', async () => {
    server = await startRealtimeServer();
    const s = server;
    const code = setupCodeOf(s);
    await Accounts.open({ db: s.db, studioToken: s.studioToken, dataDir: s.dataDir });
    expect(setupCodeOf(s)).toBe(code);
  });

  it('rate-limits setup-code guesses per client address', async () => {
    server = await startRealtimeServer();
    const s = server;
    const code = setupCodeOf(s);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const guess = `${String(i).padStart(2, '0')}${'Z'.repeat(18)}`;
      statuses.push((await call(s, 'POST', '/api/setup', { name: 'Intruder', password: 'intruder-pass', setupCode: guess })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Blocked means blocked: even the right code waits out the window from this address.
    expect((await call(s, 'POST', '/api/setup', { name: 'Owner', password: 'owner-password-1', setupCode: code })).status).toBe(429);
    expect(ownerCount(s)).toBe(0);
    // The studio token is not throttled.
    const viaStudio = await call(
      s,
      'POST',
      '/api/setup',
      { name: 'Owner', password: 'owner-password-1' },
      { authorization: `Bearer ${s.studioToken}` },
    );
    expect(viaStudio.status).toBe(201);
  });

  it('the studio token creates the owner without a code and spends the code', async () => {
    server = await startRealtimeServer();
    const s = server;
    const code = setupCodeOf(s);
    const viaStudio = await call(
      s,
      'POST',
      '/api/setup',
      { name: 'Owner', password: 'owner-password-1' },
      { authorization: `Bearer ${s.studioToken}` },
    );
    expect(viaStudio.status).toBe(201);
    expect(ownerCount(s)).toBe(1);
    expect(existsSync(codeFile(s))).toBe(false);
    expect((await call(s, 'POST', '/api/setup', { name: 'Second', password: 'second-password', setupCode: code })).status).toBe(409);
  });
});
