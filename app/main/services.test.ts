import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, HOST_CALLER, hostMethods } from '../../shared/protocol/host';
import { dispatchRequest } from '../../shared/protocol/rpc';
import { createHostServices, type HostServicesOptions, loadSettings, systemLocale, writeJsonAtomic } from './services';

let dir: string;
const warnings: string[] = [];
const log = { info: () => {}, warn: (m: string) => warnings.push(m) };
const opened: string[] = [];

function options(over: Partial<HostServicesOptions> = {}): HostServicesOptions {
  return {
    mode: 'web',
    version: '1.2.3',
    settingsFile: join(dir, 'studio-settings.json'),
    serverDataDir: dir,
    localServerUrl: 'http://127.0.0.1:8080',
    openExternal: async (url) => {
      opened.push(url);
      return true;
    },
    log,
    systemLocale: 'zh-CN',
    ...over,
  };
}

async function call(services: Awaited<ReturnType<typeof createHostServices>>, method: string, data: unknown) {
  return dispatchRequest(hostMethods, services.handlers, JSON.stringify({ t: 'req', id: 1, method, data }), { via: 'ws' }, HOST_CALLER);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-host-'));
  warnings.length = 0;
  opened.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('host services', () => {
  it('starts from defaults and persists saved settings across instances', async () => {
    const a = await createHostServices(options());
    expect(a.settings()).toEqual(DEFAULT_SETTINGS);
    const res = await call(a, 'host.saveSettings', { settings: { locale: 'en', showTitle: '春季上新', output: '1080p30' } });
    expect(res).toMatchObject({ ok: true, data: { locale: 'en', showTitle: '春季上新', output: '1080p30', micId: null } });
    const onDisk = JSON.parse(await readFile(join(dir, 'studio-settings.json'), 'utf8'));
    expect(onDisk.locale).toBe('en');
    const b = await createHostServices(options());
    expect(b.settings()).toMatchObject({ locale: 'en', showTitle: '春季上新', output: '1080p30' });
    expect(warnings).toEqual([]);
  });

  it('speaks the system language on first run; the saved choice wins afterwards', async () => {
    const first = await createHostServices(options({ systemLocale: 'en' }));
    expect(first.settings().locale).toBe('en');
    await call(first, 'host.saveSettings', { settings: { locale: 'zh-CN' } });
    await first.flush();
    expect((await createHostServices(options({ systemLocale: 'en' }))).settings().locale).toBe('zh-CN');
  });

  it('reads the system language from the POSIX locale variables', () => {
    expect(systemLocale({ LANG: 'en_US.UTF-8' })).toBe('en');
    expect(systemLocale({ LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(systemLocale({ LANG: 'zh_TW.UTF-8' })).toBe('zh-CN');
    expect(systemLocale({ LANG: 'en_GB.UTF-8', LC_ALL: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(systemLocale({ LANG: 'C', LC_MESSAGES: 'en_US' })).toBe('en');
  });

  it('writes atomically: no temp files left, the target is replaced in one step', async () => {
    const file = join(dir, 'x.json');
    await writeFile(file, '{"old":true}');
    await Promise.all([writeJsonAtomic(file, { n: 1 }), writeJsonAtomic(file, { n: 2 }), writeJsonAtomic(file, { n: 3 })]);
    const value = JSON.parse(await readFile(file, 'utf8'));
    expect([1, 2, 3]).toContain(value.n);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('serializes concurrent saves so the last one wins on disk and in memory', async () => {
    const s = await createHostServices(options());
    await Promise.all(['a', 'b', 'c', 'd'].map((t) => call(s, 'host.saveSettings', { settings: { showTitle: t } })));
    await s.flush();
    expect(s.settings().showTitle).toBe('d');
    expect(JSON.parse(await readFile(join(dir, 'studio-settings.json'), 'utf8')).showTitle).toBe('d');
  });

  it('falls back to defaults on a corrupt file, keeps it as .bak and warns', async () => {
    const file = join(dir, 'studio-settings.json');
    await writeFile(file, '{ this is not json');
    const s = await createHostServices(options());
    expect(s.settings()).toEqual(DEFAULT_SETTINGS);
    expect(await readFile(`${file}.bak`, 'utf8')).toBe('{ this is not json');
    expect(warnings.join('\n')).toMatch(/invalid.*not valid JSON/);
  });

  it('falls back to defaults on a schema-invalid file and fills keys missing from an older file', async () => {
    const file = join(dir, 'studio-settings.json');
    await writeFile(file, JSON.stringify({ ...DEFAULT_SETTINGS, locale: 'fr' }));
    expect(await loadSettings(file, log)).toEqual(DEFAULT_SETTINGS);
    expect(warnings.join('\n')).toMatch(/locale/);
    await writeFile(file, JSON.stringify({ locale: 'en', showTitle: 'old file' }));
    expect(await loadSettings(file, log)).toEqual({ ...DEFAULT_SETTINGS, locale: 'en', showTitle: 'old file' });
  });

  it('rejects invalid input with BAD_REQUEST and changes nothing', async () => {
    const s = await createHostServices(options());
    for (const settings of [
      { locale: 'de' },
      { output: '4k' },
      { serverUrl: 'not a url' },
      { showTitle: 'x'.repeat(121) },
      { lastShowId: 'a b' },
    ]) {
      const res = await call(s, 'host.saveSettings', { settings });
      expect(res).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await call(s, 'host.saveSettings', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(s.settings()).toEqual(DEFAULT_SETTINGS);
    await expect(readFile(join(dir, 'studio-settings.json'))).rejects.toThrow(/ENOENT/);
  });

  it('returns the local server URL with the token read from its data dir, or the configured remote server', async () => {
    const s = await createHostServices(options());
    expect(await call(s, 'host.getConnection', {})).toMatchObject({
      ok: true,
      data: { serverUrl: 'http://127.0.0.1:8080', studioToken: null },
    });
    await writeFile(join(dir, 'studio-token'), 'tok-0123456789abcdef0123456789\n', { mode: 0o600 });
    expect(await call(s, 'host.getConnection', {})).toMatchObject({ ok: true, data: { studioToken: 'tok-0123456789abcdef0123456789' } });
    await call(s, 'host.saveSettings', { settings: { serverUrl: 'https://live.example.com', studioToken: 'remote-token-abcdefgh' } });
    expect(await call(s, 'host.getConnection', {})).toMatchObject({
      ok: true,
      data: { serverUrl: 'https://live.example.com', studioToken: 'remote-token-abcdefgh' },
    });
  });

  it('reports BAD_STATE when no server is known', async () => {
    const s = await createHostServices(options({ localServerUrl: null, serverDataDir: null }));
    expect(await call(s, 'host.getConnection', {})).toMatchObject({ ok: false, error: { code: 'BAD_STATE' } });
  });

  it('opens only http(s) URLs and reports info', async () => {
    const s = await createHostServices(options());
    expect(await call(s, 'host.openExternal', { url: 'http://127.0.0.1:8080/live/abcdef' })).toMatchObject({
      ok: true,
      data: { opened: true },
    });
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url']) {
      expect(await call(s, 'host.openExternal', { url })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(opened).toEqual(['http://127.0.0.1:8080/live/abcdef']);
    expect(await call(s, 'host.getInfo', {})).toMatchObject({
      ok: true,
      data: { version: '1.2.3', mode: 'web', platform: process.platform },
    });
  });

  it('screen / window capture: web mode says unsupported; a host with a capturer lists, selects and validates', async () => {
    const web = await createHostServices(options());
    expect(await call(web, 'display.listSources', { kinds: ['screen'] })).toMatchObject({
      ok: true,
      data: { supported: false, sources: [] },
    });
    expect(await call(web, 'display.select', { sourceId: 'screen:0:0' })).toMatchObject({ ok: true, data: { supported: false } });

    // The Electron capturer (desktopCapturer) cannot run here; this one stands for its two calls.
    const selected: (string | null)[] = [];
    const asked: string[][] = [];
    const withDisplay = await createHostServices(
      options({
        mode: 'electron',
        display: {
          list: async (kinds) => {
            asked.push([...kinds]);
            return [{ id: 'window:42:0', name: 'Price sheet', kind: 'window', thumbnail: 'data:image/png;base64,AAAA' }];
          },
          select: (id) => selected.push(id),
        },
      }),
    );
    expect(await call(withDisplay, 'display.listSources', { kinds: ['window'] })).toMatchObject({
      ok: true,
      data: {
        supported: true,
        sources: [{ id: 'window:42:0', name: 'Price sheet', kind: 'window', thumbnail: 'data:image/png;base64,AAAA' }],
      },
    });
    expect(await call(withDisplay, 'display.select', { sourceId: 'window:42:0' })).toMatchObject({ ok: true, data: { supported: true } });
    expect(await call(withDisplay, 'display.select', { sourceId: null })).toMatchObject({ ok: true, data: { supported: true } });
    expect(selected).toEqual(['window:42:0', null]);
    // bad input changes nothing
    expect(await call(withDisplay, 'display.listSources', { kinds: ['tab'] })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await call(withDisplay, 'display.select', { sourceId: '' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(asked).toEqual([['window']]);
    expect(selected).toEqual(['window:42:0', null]);
  });
});
