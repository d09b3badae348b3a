import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffShowList } from '../../../shared/realtime/accounts';
import { startTestServer, type TestServer } from '../testing/harness';

describe('moderator pane routes', () => {
  let server: TestServer;
  const web = mkdtempSync(join(tmpdir(), 'storecast-web-'));
  beforeAll(async () => {
    mkdirSync(join(web, 'moderator'), { recursive: true });
    writeFileSync(join(web, 'moderator', 'index.html'), '<!doctype html><title>moderator</title>');
    server = await startTestServer({ webDir: web });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(web, { recursive: true, force: true });
  });

  it('GET /moderator serves the pane with the CSP', async () => {
    const r = await fetch(`${server.url}/moderator`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>moderator</title>');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('GET /report/:showId serves the pane (its post-show report page); an invalid id is a 404', async () => {
    const r = await fetch(`${server.url}/report/anyShow123`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(await r.text()).toContain('<title>moderator</title>');
    expect((await fetch(`${server.url}/report/..%2F..%2Fetc`)).status).toBe(404);
  });

  it('GET /api/staff/shows needs a staff identity and lists open shows first', async () => {
    const none = await fetch(`${server.url}/api/staff/shows`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const bad = await fetch(`${server.url}/api/staff/shows`, { headers: { authorization: 'Bearer not-a-real-token-at-all' } });
    expect(bad.status).toBe(401);

    const ended = server.shows.create('ended one', 1000);
    server.shows.markEnded(ended.id, 2000);
    const ready = server.shows.create('ready one', 3000);
    const live = server.shows.markLive(server.shows.create('live one', 2500).id, 4000);
    const ok = await fetch(`${server.url}/api/staff/shows`, { headers: { authorization: `Bearer ${server.studioToken}` } });
    expect(ok.status).toBe(200);
    const { shows } = StaffShowList.parse(await ok.json());
    expect(shows.map((s) => s.id)).toEqual([live.id, ready.id, ended.id]);
  });
});
