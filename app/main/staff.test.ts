import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_CALLER, hostMethods } from '../../shared/protocol/host';
import { dispatchRequest } from '../../shared/protocol/rpc';
import { startRealtimeServer, type TestServer } from '../../server/src/realtime/testing';
import { createHostServices, type HostServices } from './services';

let dir: string;
let server: TestServer | null = null;
let services: HostServices | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-staff-'));
});
afterEach(async () => {
  await services?.close();
  services = null;
  await server?.close();
  server = null;
  await rm(dir, { recursive: true, force: true });
});

/** Host services next to a real accounts server, whose studio token sits in the data dir as the local server's does. */
async function start(token: 'file' | 'none' = 'file') {
  server = await startRealtimeServer();
  if (token === 'file') await writeFile(join(dir, 'studio-token'), `${server.studioToken}\n`, { mode: 0o600 });
  services = await createHostServices({
    mode: 'web',
    version: '1.0.0',
    settingsFile: join(dir, 'studio-settings.json'),
    serverDataDir: dir,
    localServerUrl: server.url,
    openExternal: async () => true,
    log: { info: () => {}, warn: () => {} },
  });
  return { s: server, h: services };
}

let nextId = 1;
async function call(h: HostServices, method: string, data: unknown) {
  const reply = await dispatchRequest(
    hostMethods,
    h.handlers,
    JSON.stringify({ t: 'req', id: nextId++, method, data }),
    { via: 'ws' },
    HOST_CALLER,
  );
  return reply as unknown as { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };
}

describe('staff host methods', () => {
  it('staff.claimOwner creates the owner with the studio token in one step; the reply carries no token', async () => {
    const { s, h } = await start();
    expect(await call(h, 'staff.setupState', {})).toMatchObject({ ok: true, data: { needed: true, moderatorUrl: `${s.url}/moderator` } });
    const claimed = await call(h, 'staff.claimOwner', { name: 'Owner Lin', password: 'owner-password-1' });
    expect(claimed).toMatchObject({
      ok: true,
      data: { account: { name: 'Owner Lin', role: 'owner' }, moderatorUrl: `${s.url}/moderator` },
    });
    expect(JSON.stringify(claimed)).not.toContain(s.studioToken);
    expect(Object.keys(claimed.data ?? {}).sort()).toEqual(['account', 'moderatorUrl']);
    // The owner can sign in at the moderator pane with that password; the setup code is spent.
    const login = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Owner Lin', password: 'owner-password-1' }),
    });
    expect(login.status).toBe(200);
    expect(existsSync(join(s.dataDir, 'setup-code'))).toBe(false);
    expect(await call(h, 'staff.setupState', {})).toMatchObject({ ok: true, data: { needed: false } });
    // A second claim is refused: the first-run claim is over.
    expect(await call(h, 'staff.claimOwner', { name: 'Someone Else', password: 'another-password' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });

  it('refuses bad input and a missing studio token; nothing is created', async () => {
    const { s, h } = await start('none');
    expect(await call(h, 'staff.claimOwner', { name: 'O', password: 'owner-password-1' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await call(h, 'staff.claimOwner', { name: 'Owner', password: 'short' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await call(h, 'staff.claimOwner', { name: 'Owner', password: 'owner-password-1' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_STATE' },
    });
    // A wrong token configured for the server: the server's refusal comes back typed.
    await h.handlers['host.saveSettings']({ settings: { serverUrl: s.url, studioToken: 'w'.repeat(43) } }, { via: 'ws' });
    expect(await call(h, 'staff.claimOwner', { name: 'Owner', password: 'owner-password-1' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM accounts').get()).toEqual({ n: 0 });
  });

  it('reports an unreachable server as DISCONNECTED', async () => {
    const { s, h } = await start();
    await s.close();
    server = null;
    expect(await call(h, 'staff.setupState', {})).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
  });
});
