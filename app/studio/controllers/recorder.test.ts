import { describe, expect, it } from 'vitest';
import { pickRecorderMimeType, RECORDER_MIME_TYPES } from './recorder';

describe('pickRecorderMimeType', () => {
  it('prefers Matroska H.264 + Opus, falls back to WebM H.264, then VP8/VP9, and gives up with null', () => {
    const only = (types: string[]) => (t: string) => types.includes(t);
    expect(pickRecorderMimeType(only([...RECORDER_MIME_TYPES]))).toBe('video/x-matroska;codecs=avc1,opus');
    expect(pickRecorderMimeType(only(['video/webm;codecs=h264,opus', 'video/webm;codecs=vp8,opus']))).toBe('video/webm;codecs=h264,opus');
    expect(pickRecorderMimeType(only(['video/webm;codecs=vp9,opus', 'video/webm']))).toBe('video/webm;codecs=vp9,opus');
    expect(pickRecorderMimeType(() => false)).toBeNull();
    expect(
      pickRecorderMimeType(() => {
        throw new Error('unsupported');
      }),
    ).toBeNull();
  });
});
