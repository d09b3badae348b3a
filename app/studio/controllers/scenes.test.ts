import { describe, expect, it } from 'vitest';
import { defaultCollection } from '../../../shared/scene/defaults';
import type { SceneCollection } from '../../../shared/scene/model';
import { createStudioStore } from '../store';
import { SceneController, type ScenePersistence } from './scenes';

class MemoryPersistence implements ScenePersistence {
  saved: SceneCollection | null = null;
  constructor(private readonly initial: unknown = null) {}
  async load() {
    return this.initial;
  }
  async save(c: SceneCollection) {
    this.saved = c;
  }
}

async function setup(initial: unknown = null) {
  const store = createStudioStore();
  const persistence = new MemoryPersistence(initial);
  const scenes = new SceneController(store, persistence);
  await scenes.load(() => defaultCollection('en'));
  return { store, scenes, persistence };
}

describe('SceneController', () => {
  it('loads the starter collection when nothing is saved, and a saved one otherwise', async () => {
    const a = await setup();
    expect(a.store.getState().scene.loaded).toBe(true);
    expect(a.store.getState().scene.collection.currentSceneId).toBe('scn_live');
    const saved = { ...defaultCollection('en'), name: 'Mine' };
    const b = await setup(JSON.parse(JSON.stringify(saved)));
    expect(b.store.getState().scene.collection.name).toBe('Mine');
  });

  it('adds a source as a selected item, undoes and redoes it, and saves', async () => {
    const { store, scenes, persistence } = await setup();
    scenes.addSource('text', 'Text');
    const s = store.getState().scene;
    const item = s.collection.scenes[0]!.items.at(-1)!;
    expect(s.selectedItemId).toBe(item.id);
    expect(s.canUndo).toBe(true);
    scenes.undo();
    expect(store.getState().scene.collection.scenes[0]!.items.some((i) => i.id === item.id)).toBe(false);
    expect(store.getState().scene.selectedItemId).toBeNull();
    scenes.redo();
    expect(store.getState().scene.collection.scenes[0]!.items.some((i) => i.id === item.id)).toBe(true);
    await scenes.flush();
    expect(persistence.saved?.sources.some((src) => src.id === item.sourceId)).toBe(true);
  });

  it('refuses a locked transform with a notice and changes nothing', async () => {
    const { store, scenes } = await setup();
    scenes.apply({ type: 'set_item_locked', sceneId: 'scn_live', itemId: 'itm_camera', locked: true });
    const before = store.getState().scene.collection;
    expect(scenes.apply({ type: 'transform_item', sceneId: 'scn_live', itemId: 'itm_camera', patch: { rotation: 10 } })).toBe(false);
    expect(store.getState().scene.collection).toBe(before);
    expect(store.getState().notices.at(-1)?.key).toBe('scenes.errors.locked');
  });

  it('studio mode: the T-bar released at the end puts the preview on program without a second transition', async () => {
    const { store, scenes } = await setup();
    const cuts: string[] = [];
    scenes.onCut = (id) => cuts.push(id);
    scenes.setStudioMode(true);
    scenes.chooseScene('scn_brb');
    expect(store.getState().scene.collection.previewSceneId).toBe('scn_brb');
    scenes.holdTbar(0.5);
    scenes.releaseTbar();
    expect(store.getState().scene.collection.currentSceneId).toBe('scn_live');
    scenes.holdTbar(1);
    scenes.releaseTbar();
    expect(cuts).toEqual(['scn_brb']);
    expect(store.getState().scene.collection.currentSceneId).toBe('scn_brb');
    expect(store.getState().scene.collection.previewSceneId).toBe('scn_live');
    expect(store.getState().scene.tbar).toBeNull();
  });

  it('removing the last item of a source removes the source too', async () => {
    const { store, scenes } = await setup();
    scenes.removeItem('itm_lower_third');
    expect(store.getState().scene.collection.sources.some((s) => s.id === 'src_lower_third')).toBe(false);
  });
});
