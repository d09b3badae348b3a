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

  it('turning the frame keeps every item where it was and prompts; fit adapts them in one undo step', async () => {
    const { store, scenes } = await setup();
    const before = store.getState().scene.collection;
    scenes.reframe({ width: 1920, height: 1080, fps: 30 }); // same orientation: nothing happens
    expect(store.getState().scene.collection).toBe(before);
    expect(store.getState().scene.reframe).toBeNull();

    scenes.reframe({ width: 720, height: 1280, fps: 30 });
    let s = store.getState().scene;
    expect(s.collection.canvas).toEqual({ width: 720, height: 1280, fps: 30 });
    expect(s.collection.scenes).toEqual(before.scenes); // not silently scrambled
    expect(s.reframe).toEqual({ from: { width: 1280, height: 720 }, to: { width: 720, height: 1280 }, adapted: false });

    scenes.adaptItems('fill');
    s = store.getState().scene;
    expect(s.reframe?.adapted).toBe(true);
    const cam = s.collection.scenes[0]!.items.find((i) => i.id === 'itm_camera')!;
    expect(cam.bounds).toMatchObject({ type: 'scale_outer', width: 720, height: 1280 });

    scenes.undoAdapt();
    s = store.getState().scene;
    expect(s.collection.scenes).toEqual(before.scenes);
    expect(s.collection.canvas.height).toBe(1280);
    expect(s.reframe?.adapted).toBe(false);

    scenes.undo(); // the frame change itself
    expect(store.getState().scene.collection).toEqual(before);
  });

  it('the portrait starter scene is added and shown', async () => {
    const { store, scenes } = await setup();
    scenes.reframe({ width: 720, height: 1280, fps: 30 });
    scenes.addPortraitStarter('zh-CN');
    const c = store.getState().scene.collection;
    expect(c.currentSceneId).toBe('scn_live_portrait');
    expect(c.scenes.find((x) => x.id === 'scn_live_portrait')?.name).toBe('竖屏直播');
  });
});
