import { describe, expect, it } from 'vitest';
import { defaultCollection } from '../../../shared/scene/defaults';
import { applyEdit } from '../../../shared/scene/edits';
import { dbToGain, levels, programAudioSources } from './mixer';

describe('mixer helpers', () => {
  it('converts dB to linear gain (−100 dB = silence)', () => {
    expect(dbToGain(0)).toBe(1);
    expect(dbToGain(-6)).toBeCloseTo(0.501, 3);
    expect(dbToGain(-100)).toBe(0);
  });

  it('measures peak and RMS in dBFS', () => {
    const sine = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * i) / 48));
    const l = levels(sine);
    expect(l.peakDb).toBeCloseTo(-6, 0);
    expect(l.rmsDb).toBeCloseTo(-9, 0);
    expect(levels(new Float32Array(128))).toEqual({ peakDb: -100, rmsDb: -100 });
  });

  it('mixes the audio sources with a visible item in the program scene', () => {
    const c = defaultCollection('en');
    expect(programAudioSources(c).map((s) => s.id)).toEqual(['src_mic']);
    const hidden = applyEdit(c, { type: 'set_item_visible', sceneId: 'scn_live', itemId: 'itm_mic', visible: false }).collection;
    expect(programAudioSources(hidden)).toEqual([]);
    const brb = applyEdit(c, { type: 'set_current_scene', sceneId: 'scn_brb' }).collection;
    expect(programAudioSources(brb)).toEqual([]);
  });
});
