import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { type HlsRoom, HlsService } from './service';

describe('HlsService with HLS_RECORD on', () => {
  const dirs: string[] = [];
  const services: HlsService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('leaves the recording of a show an edge pulls to its origin', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'storecast-hls-'));
    dirs.push(dataDir);
    // A pulled show with its video: on the origin this would start ffmpeg at once.
    const pulled: HlsRoom = {
      showId: 'shw_pulled',
      isLive: true,
      closed: false,
      remote: true,
      router: {} as HlsRoom['router'],
      mediaProducers: () => [
        { kind: 'video', closed: false } as ReturnType<HlsRoom['mediaProducers']> extends Iterable<infer P> ? P : never,
      ],
    };
    const hls = new HlsService({ dataDir, ffmpegBin: 'ffmpeg', record: true, room: () => pulled, log: createLogger({ level: 'silent' }) });
    services.push(hls);
    hls.onMedia(pulled);
    expect(hls.recorder('shw_pulled')).toBeUndefined();
  });
});
