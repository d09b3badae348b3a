import { describe, expect, it } from 'vitest';
import { simulcastEncodings, simulcastLayers } from './simulcast';

const dims = (w: number, h: number) => simulcastLayers(w, h).map((l) => `${l.width}x${l.height}`);
const rates = (w: number, h: number) => simulcastLayers(w, h).map((l) => l.maxBitrate);

describe('simulcast layers for the program frame', () => {
  it('portrait frames get portrait layers', () => {
    expect(dims(720, 1280)).toEqual(['180x320', '360x640', '720x1280']);
    expect(dims(1080, 1920)).toEqual(['270x480', '540x960', '1080x1920']);
    expect(dims(1280, 720)).toEqual(['320x180', '640x360', '1280x720']);
  });

  it('bitrates follow the pixel count, so a portrait frame gets the budget of its landscape twin', () => {
    expect(rates(720, 1280)).toEqual(rates(1280, 720));
    expect(rates(720, 1280)).toEqual([150_000, 500_000, 2_500_000]);
    expect(rates(1080, 1920)).toEqual(rates(1920, 1080));
    expect(rates(1080, 1920)).toEqual([250_000, 800_000, 4_000_000]);
  });

  it('encodings low → high at 30 fps', () => {
    expect(simulcastEncodings(720, 1280)).toEqual([
      { scaleResolutionDownBy: 4, maxBitrate: 150_000, maxFramerate: 30 },
      { scaleResolutionDownBy: 2, maxBitrate: 500_000, maxFramerate: 30 },
      { scaleResolutionDownBy: 1, maxBitrate: 2_500_000, maxFramerate: 30 },
    ]);
  });
});
