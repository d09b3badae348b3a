import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_CALLER, hostMethods } from '../../shared/protocol/host';
import { dispatchRequest } from '../../shared/protocol/rpc';
import { defaultCollection } from '../../shared/scene/defaults';
import v1Fixture from '../../shared/scene/fixtures/collection-v1.json';
import { CURRENT_SCHEMA_VERSION } from '../../shared/scene/model';
import { SceneStore } from './scenes';
import { createHostServices } from './services';

let dir: string;
const warnings: string[] = [];
const log = { info: () => {}, warn: (m: string) => warnings.push(m) };
const file = () => join(dir, 'scene-collection.json');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-scenes-'));
  warnings.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scene collection store', () => {
  it('starts empty, then saves atomically and loads the same collection back (previous save kept as .bak)', async () => {
    const store = new SceneStore(file(), log);
    expect(await store.load()).toEqual({ collection: null, migratedFrom: null, problem: null });
    const a = defaultCollection('zh-CN');
    await store.save(a);
    const b = { ...a, name: 'Second' };
    await store.save(b);
    const loaded = await new SceneStore(file(), log).load();
    expect(loaded.collection).toEqual(b);
    expect(loaded.migratedFrom).toBe(CURRENT_SCHEMA_VERSION);
    expect(JSON.parse(await readFile(`${file()}.bak`, 'utf8')).name).toBe(a.name);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('serializes concurrent saves: the last one wins', async () => {
    const store = new SceneStore(file(), log);
    const base = defaultCollection('en');
    await Promise.all(['one', 'two', 'three'].map((name) => store.save({ ...base, name })));
    expect((await store.load()).collection?.name).toBe('three');
  });

  it('moves a corrupt file aside (nothing lost) and reports it', async () => {
    await writeFile(file(), '{"schemaVersion": 2, "name": "half-writ');
    const res = await new SceneStore(file(), log).load();
    expect(res.collection).toBeNull();
    expect(res.problem).toMatchObject({ code: 'corrupt' });
    expect(await readFile(res.problem!.keptAs, 'utf8')).toBe('{"schemaVersion": 2, "name": "half-writ');
    expect(warnings.join('\n')).toMatch(/could not be loaded/);
  });

  it('never overwrites a collection from a newer Storecast, even when saving without loading first', async () => {
    const future = JSON.stringify({ ...defaultCollection('en'), schemaVersion: CURRENT_SCHEMA_VERSION + 1, hologram: true });
    await writeFile(file(), future);
    const store = new SceneStore(file(), log);
    await store.save(defaultCollection('en'));
    const aside = (await readdir(dir)).find((f) => f.includes('.newer-'));
    expect(aside).toBeDefined();
    expect(await readFile(join(dir, aside!), 'utf8')).toBe(future);
    // and loading one reports it
    await writeFile(file(), future);
    const res = await new SceneStore(file(), log).load();
    expect(res.problem).toMatchObject({ code: 'future_version' });
    expect(res.problem!.message).toMatch(/newer Storecast/);
  });

  it('imports older schema versions (migrated), refuses corrupt and future files without touching the saved one', async () => {
    const store = new SceneStore(file(), log);
    await store.save(defaultCollection('en'));
    const before = await readFile(file(), 'utf8');
    await expect(store.import('not json')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/cannot import/) });
    await expect(store.import(JSON.stringify({ schemaVersion: 99, name: 'x' }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/newer Storecast/),
    });
    expect(await readFile(file(), 'utf8')).toBe(before);
    const imported = await store.import(JSON.stringify(v1Fixture));
    expect(imported.migratedFrom).toBe(1);
    expect(imported.collection.name).toBe('春季上新专场');
    expect((await store.load()).collection?.name).toBe('春季上新专场');
  });

  it('exports the saved collection as current-schema text with a safe file name', async () => {
    const store = new SceneStore(file(), log);
    await expect(store.export()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.save({ ...defaultCollection('en'), name: 'Spring / Sale: 1' });
    const out = await store.export();
    expect(out.fileName).toBe('Spring _ Sale_ 1.storecast-scenes.json');
    expect(JSON.parse(out.text).schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
  });

  it('is reachable through the host contract; invalid collections are refused with BAD_REQUEST', async () => {
    const services = await createHostServices({
      mode: 'web',
      version: '1',
      settingsFile: join(dir, 'studio-settings.json'),
      serverDataDir: null,
      localServerUrl: null,
      openExternal: async () => false,
      log,
    });
    const call = (method: string, data: unknown) =>
      dispatchRequest(
        hostMethods,
        services.handlers,
        JSON.stringify({ t: 'req', id: 1, method, data }),
        { via: 'ws' },
        HOST_CALLER,
        undefined,
        4 << 20,
      );
    const c = defaultCollection('zh-CN');
    expect(await call('scenes.save', { collection: c })).toMatchObject({ ok: true });
    expect(await call('scenes.load', {})).toMatchObject({ ok: true, data: { collection: { name: c.name } } });
    const broken = { ...c, currentSceneId: 'scn_missing' };
    expect(await call('scenes.save', { collection: broken })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await call('scenes.import', { text: '{' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const exported = await call('scenes.export', {});
    expect(exported).toMatchObject({ ok: true, data: { fileName: expect.stringMatching(/\.storecast-scenes\.json$/) } });
    await services.close();
  });
});
