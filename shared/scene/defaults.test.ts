import { describe, expect, it } from 'vitest';
import { defaultCollection, relocalizeStarter } from './defaults';
import { applyEdit } from './edits';

describe('starter collection across a language switch', () => {
  it('carries untouched starter names and texts into the new language', () => {
    const zh = defaultCollection('zh-CN');
    const edits = relocalizeStarter(zh, 'zh-CN', 'en');
    const { collection } = applyEdit(zh, { type: 'batch', edits });
    const en = defaultCollection('en');
    expect(collection.sources.map((s) => [s.id, s.name])).toEqual(en.sources.map((s) => [s.id, s.name]));
    expect(collection.scenes.map((s) => s.name)).toEqual(en.scenes.map((s) => s.name));
    expect(collection.sources.find((s) => s.id === 'src_lower_third')?.settings).toMatchObject({
      title: 'Welcome to the show',
      subtitle: 'Follow to hear about new drops first',
    });
    expect(collection.sources.find((s) => s.id === 'src_brb_text')?.settings).toMatchObject({ text: 'Be right back' });
    // and back again
    const back = applyEdit(collection, { type: 'batch', edits: relocalizeStarter(collection, 'en', 'zh-CN') }).collection;
    expect(back.sources.map((s) => s.name)).toEqual(zh.sources.map((s) => s.name));
  });

  it('leaves whatever the streamer renamed or rewrote alone', () => {
    let c = defaultCollection('zh-CN');
    c = applyEdit(c, { type: 'rename_source', sourceId: 'src_camera', name: '主机位' }).collection;
    c = applyEdit(c, { type: 'update_source_settings', sourceId: 'src_lower_third', settings: { title: '双十二大促' } }).collection;
    c = applyEdit(c, { type: 'rename_scene', sceneId: 'scn_brb', name: '休息一下' }).collection;
    const out = applyEdit(c, { type: 'batch', edits: relocalizeStarter(c, 'zh-CN', 'en') }).collection;
    expect(out.sources.find((s) => s.id === 'src_camera')?.name).toBe('主机位');
    expect(out.sources.find((s) => s.id === 'src_mic')?.name).toBe('Microphone');
    expect(out.sources.find((s) => s.id === 'src_lower_third')?.settings).toMatchObject({
      title: '双十二大促',
      subtitle: 'Follow to hear about new drops first',
    });
    expect(out.scenes.map((s) => s.name)).toEqual(['Live', '休息一下']);
  });

  it('changes nothing for the same language or a collection without starter parts', () => {
    expect(relocalizeStarter(defaultCollection('en'), 'en', 'en')).toEqual([]);
    expect(relocalizeStarter(defaultCollection('en'), 'zh-CN', 'en')).toEqual([]);
  });
});
