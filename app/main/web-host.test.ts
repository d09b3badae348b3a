import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeOutputFrame, HOST_WS_PATH, hostMethods, hostNotifications, type OutputChunkAck } from '../../shared/protocol/host';
import { RpcClient } from '../../shared/protocol/rpc';
import { HOST_WS_UNAUTHORIZED, startWebHost, type WebHost } from './web-host';

let dir: string;
let host: WebHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-webhost-'));
  const web = join(dir, 'web');
  await mkdir(join(web, 'studio'), { recursive: true });
  await writeFile(join(web, 'studio', 'index.html'), '<!doctype html><title>studio</title>');
  host = await startWebHost({
    dataDir: dir,
    serverUrl: 'http://127.0.0.1:9',
    port: 0,
    webDir: web,
    openExternal: async () => false,
    log: { info: () => {}, warn: () => {} },
  });
});
afterAll(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

function open(token: string | null, origin: string | null): WebSocket {
  const q = token === null ? '' : `?hostToken=${encodeURIComponent(token)}`;
  return new WebSocket(`ws://127.0.0.1:${host.port}${HOST_WS_PATH}${q}`, origin === null ? {} : { origin });
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('web host', () => {
  it('prints a studio URL carrying the token and serves the studio page with a CSP', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/studio/?hostToken=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
    const res = await fetch(host.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>studio</title>');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('rejects a host socket without a token, with a wrong token, or from another origin (close 4401)', async () => {
    const own = `http://127.0.0.1:${host.port}`;
    const wrong = `${host.token.slice(0, -1)}${host.token.endsWith('A') ? 'B' : 'A'}`;
    for (const ws of [
      open(null, own),
      open(wrong, own),
      open('short', own),
      open(host.token, 'http://evil.example'),
      open(host.token, null),
    ]) {
      expect(await closeCode(ws)).toBe(HOST_WS_UNAUTHORIZED);
    }
  });

  it('serves the host contract to a socket with the right token and origin', async () => {
    const ws = open(host.token, `http://127.0.0.1:${host.port}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new RpcClient(hostMethods, hostNotifications, 5000);
    client.attach(ws);
    ws.on('message', (d) => client.handleMessage(String(d)));
    expect(await client.request('host.getInfo', {})).toMatchObject({ mode: 'web' });
    expect(await client.request('host.getConnection', {})).toEqual({ serverUrl: 'http://127.0.0.1:9', studioToken: null });
    const saved = await client.request('host.saveSettings', { settings: { locale: 'en' } });
    expect(saved.locale).toBe('en');
    await expect(client.request('host.saveSettings', { settings: { locale: 'xx' as 'en' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await client.request('host.openExternal', { url: 'http://127.0.0.1:9/live/abcdef' })).toEqual({ opened: false });
    // The connection stays usable after an error.
    expect((await client.request('host.getSettings', {})).locale).toBe('en');
    ws.close();
  });

  it('carries the program stream as binary frames, acknowledged in order; malformed frames get BAD_REQUEST', async () => {
    const ws = open(host.token, `http://127.0.0.1:${host.port}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new RpcClient(hostMethods, hostNotifications, 5000);
    client.attach(ws);
    const raw: string[] = [];
    ws.on('message', (d) => {
      raw.push(String(d));
      client.handleMessage(String(d));
    });
    const acks: OutputChunkAck[] = [];
    client.on('output.chunkAck', (a) => acks.push(a));
    const { sessionId } = await client.request('output.begin', { mimeType: 'video/x-matroska;codecs=avc1,opus' });
    // an EBML header split over two frames: both accepted
    const ebml = Buffer.from('1a45dfa3a34286810142f7810142f2810442f381084282886d6174726f736b61', 'hex');
    ws.send(encodeOutputFrame({ sessionId, seq: 0 }, ebml.subarray(0, 10)));
    ws.send(encodeOutputFrame({ sessionId, seq: 1 }, ebml.subarray(10)));
    ws.send(Buffer.from('not a frame at all, just bytes'));
    await new Promise((r) => setTimeout(r, 300));
    expect(acks).toEqual([
      { sessionId, seq: 0, ok: true, error: null },
      { sessionId, seq: 1, ok: true, error: null },
    ]);
    expect(raw.some((m) => m.includes('BAD_REQUEST') && m.includes('not a program-stream frame'))).toBe(true);
    // a gap in the sequence ends the session; the ack says why
    ws.send(encodeOutputFrame({ sessionId, seq: 5 }, Buffer.alloc(4)));
    await new Promise((r) => setTimeout(r, 300));
    expect(acks[2]).toMatchObject({ seq: 5, ok: false, error: { code: 'input' } });
    expect((await client.request('output.getState', {})).session).toBeNull();
    ws.close();
  });

  it('imports a picked file into the media library and serves it back with ranges, only with the token', async () => {
    const base = `http://127.0.0.1:${host.port}/host/media`;
    const body = Buffer.from('0123456789abcdef');
    const put = (token: string | null, name = 'clip.mp4', data: Buffer = body) =>
      fetch(`${base}/${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', ...(token === null ? {} : { 'x-storecast-host-token': token }) },
        body: data,
      });
    expect((await put(null)).status).toBe(401);
    expect((await put('wrong-token')).status).toBe(401);
    const refused = await put(host.token, 'tool.exe');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');

    const ok = await put(host.token);
    expect(ok.status).toBe(200);
    const r = (await ok.json()) as { path: string; file: string; bytes: number; existed: boolean };
    expect(r).toMatchObject({ bytes: 16, existed: false });
    expect(r.path).toBe(`library/${r.file}`);

    const url = `${base}/${encodeURIComponent(r.file)}?hostToken=${encodeURIComponent(host.token)}`;
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
    const part = await fetch(url, { headers: { range: 'bytes=4-7' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('4567');
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${base}/${encodeURIComponent(r.file)}`)).status).toBe(401);
    expect((await fetch(`${base}/${encodeURIComponent(r.file)}?hostToken=nope`)).status).toBe(401);
    expect((await fetch(`${base}/..%2Fstudio-settings.json?hostToken=${encodeURIComponent(host.token)}`)).status).toBe(404);
    expect((await fetch(`${base}/${'0'.repeat(16)}-missing.mp4?hostToken=${encodeURIComponent(host.token)}`)).status).toBe(404);
  });
});
