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

  it('fits a picture that turns out far larger than the frame, once, as an undoable step', async () => {
    const { store, scenes } = await setup();
    const canvas = store.getState().scene.collection.canvas;
    scenes.addSource('image', 'Photo');
    const added = store.getState().scene.collection.scenes[0]!.items.at(-1)!;
    const item = () => store.getState().scene.collection.scenes[0]!.items.find((i) => i.id === added.id)!;
    // The compositor measures the decoded image: 6000×4000.
    store.setState((s) => ({ scene: { ...s.scene, sizes: { ...s.scene.sizes, [added.sourceId]: { width: 6000, height: 4000 } } } }));
    expect(item().bounds).toEqual({ type: 'scale_inner', width: canvas.width, height: canvas.height, alignment: 'center' });
    expect(item().position).toEqual({ x: canvas.width / 2, y: canvas.height / 2 });
    // Undo gives the natural size back, and the fit is not applied again by the next report.
    scenes.undo();
    expect(item().bounds.type).toBe('none');
    store.setState((s) => ({ scene: { ...s.scene, sizes: { ...s.scene.sizes, [added.sourceId]: { width: 6000, height: 4001 } } } }));
    expect(item().bounds.type).toBe('none');
  });

  it('leaves a picture that fits the frame, and one the streamer already placed, as they are', async () => {
    const { store, scenes } = await setup();
    scenes.addSource('image', 'Logo');
    const small = store.getState().scene.collection.scenes[0]!.items.at(-1)!;
    scenes.addSource('image', 'Poster');
    const placed = store.getState().scene.collection.scenes[0]!.items.at(-1)!;
    scenes.apply({ type: 'transform_item', sceneId: 'scn_live', itemId: placed.id, patch: { scale: { x: 0.1, y: 0.1 } } });
    store.setState((s) => ({
      scene: {
        ...s.scene,
        sizes: { ...s.scene.sizes, [small.sourceId]: { width: 200, height: 100 }, [placed.sourceId]: { width: 5000, height: 5000 } },
      },
    }));
    const items = store.getState().scene.collection.scenes[0]!.items;
    expect(items.find((i) => i.id === small.id)!.bounds.type).toBe('none');
    expect(items.find((i) => i.id === placed.id)!.scale).toEqual({ x: 0.1, y: 0.1 });
    expect(items.find((i) => i.id === placed.id)!.bounds.type).toBe('none');
  });
});
