import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, effectivePreset, OUTPUT_PRESETS, OutputPreset, programFrame, StudioSettings } from './host';

describe('output presets', () => {
  it('offers 9:16 beside 16:9', () => {
    expect(OUTPUT_PRESETS['720x1280p30']).toEqual({ width: 720, height: 1280, fps: 30 });
    expect(OUTPUT_PRESETS['1080x1920p30']).toEqual({ width: 1080, height: 1920, fps: 30 });
    expect(StudioSettings.parse({ ...DEFAULT_SETTINGS, output: '720x1280p30' }).output).toBe('720x1280p30');
    expect(StudioSettings.safeParse({ ...DEFAULT_SETTINGS, output: '4k' }).success).toBe(false);
  });

  it('the program frame is the preset in the collection canvas orientation', () => {
    const landscape = { width: 1920, height: 1080 };
    const portrait = { width: 1080, height: 1920 };
    for (const p of OutputPreset.options) {
      const { width, height } = OUTPUT_PRESETS[p];
      const canvas = width > height ? landscape : portrait;
      expect(programFrame(p, canvas)).toEqual(OUTPUT_PRESETS[p]);
      expect(effectivePreset(p, canvas)).toBe(p);
    }
    // a portrait preset with a landscape collection (the frame change was undone) sends landscape
    expect(programFrame('720x1280p30', landscape)).toEqual({ width: 1280, height: 720, fps: 30 });
    expect(effectivePreset('720x1280p30', landscape)).toBe('720p30');
    expect(effectivePreset('1080p30', portrait)).toBe('1080x1920p30');
    // odd aspect ratios: even sizes, long side capped
    expect(programFrame('720p30', { width: 1000, height: 1000 })).toEqual({ width: 720, height: 720, fps: 30 });
    expect(programFrame('720p30', { width: 4000, height: 300 }).width).toBe(3840);
    expect(programFrame('720p30', { width: 1001, height: 700 }).width % 2).toBe(0);
  });
});
