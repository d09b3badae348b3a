/** The renderer's scene autosave (app/studio/controllers/scene-persistence.ts) against the real host services. Lives here because it needs Node and DOM types together. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_CALLER, type HostMethod, type HostMethods, hostMethods } from '../shared/protocol/host';
import { dispatchRequest, type ReqOf, type ResOf, RpcError } from '../shared/protocol/rpc';
import { defaultCollection } from '../shared/scene/defaults';
import { createHostServices, type HostServices } from '../app/main/services';
import type { HostBridge } from '../app/studio/host-bridge';
import { SceneAutosave, type SceneSaveStatus } from '../app/studio/controllers/scene-persistence';

let dir: string;
let services: HostServices;
let saves = 0;

/** A host bridge over the real host services, through the same dispatch (validation) path the sockets use. */
function bridge(): HostBridge {
  return {
    mode: 'web',
    async call<K extends HostMethod>(method: K, req: ReqOf<HostMethods, K>): Promise<ResOf<HostMethods, K>> {
      if (method === 'scenes.save') saves++;
      const reply = await dispatchRequest(
        hostMethods,
        services.handlers,
        JSON.stringify({ t: 'req', id: 1, method, data: req }),
        { via: 'ws' },
        HOST_CALLER,
        undefined,
        4 << 20,
      );
      if (reply.t !== 'res') throw new Error('no reply');
      if (!reply.ok) throw new RpcError(reply.error.code, reply.error.message);
      return hostMethods[method].res.parse(reply.data) as ResOf<HostMethods, K>;
    },
    sendOutputChunk: () => Promise.reject(new Error('not used')),
    importMedia: () => Promise.reject(new Error('not used')),
    mediaUrl: () => '',
    close: () => {},
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-autosave-'));
  saves = 0;
  services = await createHostServices({
    mode: 'web',
    version: '1',
    settingsFile: join(dir, 'studio-settings.json'),
    serverDataDir: null,
    localServerUrl: null,
    openExternal: async () => false,
    log: { info: () => {}, warn: () => {} },
  });
});
afterEach(async () => {
  await services.close();
  await rm(dir, { recursive: true, force: true });
});

describe('scene autosave', () => {
  it('coalesces a burst of edits into one debounced save of the latest collection', async () => {
    const states: SceneSaveStatus['state'][] = [];
    const autosave = new SceneAutosave(bridge(), { debounceMs: 50, onStatus: (s) => states.push(s.state) });
    expect((await autosave.load()).collection).toBeNull();
    const base = defaultCollection('en');
    for (const name of ['a', 'b', 'c', 'd']) autosave.schedule({ ...base, name });
    for (let i = 0; i < 200 && autosave.current.state !== 'saved'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(saves).toBe(1);
    expect(autosave.current.state).toBe('saved');
    expect(JSON.parse(await readFile(join(dir, 'scene-collection.json'), 'utf8')).name).toBe('d');
    expect(states).toContain('pending');
    expect((await autosave.load()).collection?.name).toBe('d');
  });

  it('reports a refused save and keeps the edit; the next valid edit is saved', async () => {
    const autosave = new SceneAutosave(bridge(), { debounceMs: 10 });
    const base = defaultCollection('zh-CN');
    autosave.schedule({ ...base, currentSceneId: 'scn_gone' });
    await autosave.flush();
    expect(autosave.current).toMatchObject({ state: 'error', error: expect.stringMatching(/currentSceneId/) });
    autosave.schedule({ ...base, name: '修好了' });
    await autosave.flush();
    expect(autosave.current.state).toBe('saved');
    const exported = await autosave.exportText();
    expect(JSON.parse(exported.text).name).toBe('修好了');
  });

  it('import refuses a corrupt file and leaves the saved collection alone', async () => {
    const autosave = new SceneAutosave(bridge(), { debounceMs: 10 });
    autosave.schedule(defaultCollection('en'));
    await autosave.flush();
    await expect(autosave.importText('{"schemaVersion": 2')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await autosave.load()).collection?.name).toBe(defaultCollection('en').name);
  });
});
