/**
 * The recording's timeline: segment completion times place each unbroken run on the server clock (the least-delayed
 * segment wins; the program date-time only where files are missing), server times map into the recording (gaps go
 * to the next run), and clips take the whole segments nearest to a stretch.
 */
import { describe, expect, it } from 'vitest';
import { parsePlaylist, recordingTimeOf, segmentsCovering, timelineRuns } from './timeline';

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-PLAYLIST-TYPE:EVENT
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:00:00.000+0000
seg-00000.ts
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:00:01.000+0000
seg-00001.ts
#EXTINF:1.000000,
seg-00002.ts
#EXT-X-DISCONTINUITY
#EXTINF:1.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:01:00.000+0000
seg-00003.ts
#EXTINF:1.000000,
seg-00004.ts
#EXT-X-ENDLIST
`;
const T0 = Date.parse('2026-12-06T10:00:00.000Z');

describe('replay timeline', () => {
  const playlist = parsePlaylist(PLAYLIST);

  it('reads segments, runs and the end', () => {
    expect(playlist.segments.map((s) => [s.uri, s.start, s.duration, s.run])).toEqual([
      ['seg-00000.ts', 0, 1, 0],
      ['seg-00001.ts', 1, 2, 0],
      ['seg-00002.ts', 3, 1, 0],
      ['seg-00003.ts', 4, 1, 1],
      ['seg-00004.ts', 5, 1, 1],
    ]);
    expect([playlist.duration, playlist.ended]).toEqual([6, true]);
    expect(parsePlaylist('#EXTINF:1,\n../etc/passwd\n').segments).toEqual([]);
  });

  it('places each run by its least-delayed segment, else by its program date-time', () => {
    // Run 0 really started at T0 + 500: segments complete 300, 120 and 900 ms after their picture ends.
    const mtimes: Record<string, number> = {
      'seg-00000.ts': T0 + 500 + 1000 + 300,
      'seg-00001.ts': T0 + 500 + 3000 + 120,
      'seg-00002.ts': T0 + 500 + 4000 + 900,
    };
    const runs = timelineRuns(playlist, (uri) => mtimes[uri] ?? null);
    expect(runs).toEqual([
      { start: 0, end: 4, wallStart: T0 + 620 },
      { start: 4, end: 6, wallStart: T0 + 60_000 },
    ]);
    expect(recordingTimeOf(runs, T0 + 620 + 2500)).toBe(2.5);
    expect(recordingTimeOf(runs, T0)).toBe(0); // before the recording: its start
    expect(recordingTimeOf(runs, T0 + 30_000)).toBe(4); // nothing recorded then: the next run's start
    expect(recordingTimeOf(runs, T0 + 61_500)).toBe(5.5);
    expect(recordingTimeOf(runs, T0 + 90_000)).toBe(6); // after it: its end
  });

  it('cuts clips on the whole segments nearest to the stretch', () => {
    const uris = (start: number, end: number) => segmentsCovering(playlist, start, end).map((s) => s.uri);
    expect(uris(1.2, 3.6)).toEqual(['seg-00001.ts', 'seg-00002.ts']);
    expect(uris(0.6, 2.2)).toEqual(['seg-00001.ts']);
    expect(uris(0.2, 0.4)).toEqual(['seg-00000.ts']);
    expect(uris(7, 8)).toEqual([]);
  });
});
