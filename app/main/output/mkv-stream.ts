/**
 * Incremental Matroska/WebM splitter for the MediaRecorder program stream. It does not decode anything: it walks the
 * EBML element headers so the output service can
 *  - keep the stream's init segment (EBML header + Segment header + Info/Tracks…) for outputs that join later,
 *  - know the tracks (which one is video, which codecs), and
 *  - start a joining output (a restream target reconnecting) exactly at a video keyframe.
 * Segment and Cluster may have unknown sizes (live streams); every other element must have a known size.
 */

export const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  Tracks: 0x1654ae6b,
  Cues: 0x1c53bb6b,
  Chapters: 0x1043a770,
  Tags: 0x1254c367,
  Attachments: 0x1941a469,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  ReferenceBlock: 0xfb,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
} as const;

const TOP_LEVEL = new Set<number>([
  ID.SeekHead,
  ID.Info,
  ID.Tracks,
  ID.Cues,
  ID.Chapters,
  ID.Tags,
  ID.Attachments,
  ID.Cluster,
  ID.EBML,
  ID.Segment,
]);

/** Largest single element accepted (a 4K keyframe is a few MB). */
export const MAX_ELEMENT_BYTES = 32 * 1024 * 1024;
/** Size field meaning "unknown" (8-byte vint, all value bits set). */
export const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export interface MkvTrack {
  number: number;
  type: 'video' | 'audio' | 'other';
  codecId: string;
}

export interface BlockInfo {
  track: number;
  keyframe: boolean;
}

export type MkvEvent =
  /** Everything before the first cluster (Segment size rewritten to unknown), with the parsed tracks. */
  | { kind: 'init'; bytes: Buffer; tracks: MkvTrack[] }
  /** A cluster starts (its header bytes as received). */
  | { kind: 'cluster'; bytes: Buffer }
  /** A complete element inside a cluster or after the first one at segment level; `block` for (Simple)Blocks. */
  | { kind: 'element'; id: number; inCluster: boolean; bytes: Buffer; block: BlockInfo | null };

export class MkvStreamError extends Error {
  override name = 'MkvStreamError';
}

interface Header {
  id: number;
  /** null = unknown size */
  size: number | null;
  headerLength: number;
}

function vintLength(first: number): number {
  if (first === 0) return 0;
  return Math.clz32(first) - 23; // 0x80 → 1 … 0x01 → 8
}

/** Read an element id (marker bits kept) at `pos`; null if incomplete. */
function readId(buf: Buffer, pos: number): { id: number; length: number } | null {
  if (pos >= buf.length) return null;
  const len = vintLength(buf[pos]!);
  if (len === 0 || len > 4) throw new MkvStreamError(`invalid element id at byte ${pos}`);
  if (pos + len > buf.length) return null;
  let id = 0;
  for (let i = 0; i < len; i++) id = id * 256 + buf[pos + i]!;
  return { id, length: len };
}

/** Read a size vint; value null = unknown. */
function readSize(buf: Buffer, pos: number): { value: number | null; length: number } | null {
  if (pos >= buf.length) return null;
  const len = vintLength(buf[pos]!);
  if (len === 0) throw new MkvStreamError(`invalid element size at byte ${pos}`);
  if (pos + len > buf.length) return null;
  let value = buf[pos]! & (0xff >> len);
  let allOnes = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    const b = buf[pos + i]!;
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  return { value: allOnes ? null : value, length: len };
}

function readHeader(buf: Buffer, pos: number): Header | null {
  const id = readId(buf, pos);
  if (!id) return null;
  const size = readSize(buf, pos + id.length);
  if (!size) return null;
  return { id: id.id, size: size.value, headerLength: id.length + size.length };
}

function readUint(buf: Buffer): number {
  let v = 0;
  for (const b of buf) v = v * 256 + b;
  return v;
}

/** Children of a master element's payload (all sizes known). */
function* children(payload: Buffer): Generator<{ id: number; data: Buffer }> {
  let pos = 0;
  while (pos < payload.length) {
    const h = readHeader(payload, pos);
    if (!h || h.size === null || pos + h.headerLength + h.size > payload.length) return;
    yield { id: h.id, data: payload.subarray(pos + h.headerLength, pos + h.headerLength + h.size) };
    pos += h.headerLength + h.size;
  }
}

export function parseTracks(payload: Buffer): MkvTrack[] {
  const tracks: MkvTrack[] = [];
  for (const entry of children(payload)) {
    if (entry.id !== ID.TrackEntry) continue;
    let number = 0;
    let type = 0;
    let codecId = '';
    for (const c of children(entry.data)) {
      if (c.id === ID.TrackNumber) number = readUint(c.data);
      else if (c.id === ID.TrackType) type = readUint(c.data);
      else if (c.id === ID.CodecID) codecId = c.data.toString('latin1').replace(/\0+$/, '');
    }
    tracks.push({ number, type: type === 1 ? 'video' : type === 2 ? 'audio' : 'other', codecId });
  }
  return tracks;
}

/** Track number and keyframe flag of a SimpleBlock payload, or of a BlockGroup payload (keyframe = no ReferenceBlock). */
export function blockInfo(id: number, payload: Buffer): BlockInfo | null {
  if (id === ID.SimpleBlock) {
    const track = readSize(payload, 0);
    if (!track || track.value === null || payload.length < track.length + 3) return null;
    return { track: track.value, keyframe: (payload[track.length + 2]! & 0x80) !== 0 };
  }
  if (id === ID.BlockGroup) {
    let track: number | null = null;
    let referenced = false;
    for (const c of children(payload)) {
      if (c.id === ID.Block) {
        const t = readSize(c.data, 0);
        if (t && t.value !== null) track = t.value;
      } else if (c.id === ID.ReferenceBlock) referenced = true;
    }
    return track === null ? null : { track, keyframe: !referenced };
  }
  return null;
}

function encodeId(id: number): Buffer {
  const bytes: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from(bytes);
}

/** A cluster header with unknown size (what a joining output's stream uses). */
export const CLUSTER_UNKNOWN_SIZE_HEADER = Buffer.concat([encodeId(ID.Cluster), UNKNOWN_SIZE]);

export class MkvStreamSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private phase: 'ebml' | 'segment' | 'body' = 'ebml';
  private readonly initParts: Buffer[] = [];
  private tracks: MkvTrack[] = [];
  private initDone = false;
  /** Remaining payload bytes of the current cluster; null = unknown-size cluster; undefined = not in a cluster. */
  private clusterRemaining: number | null | undefined = undefined;
  /** Bytes fed so far. */
  totalBytes = 0;

  /** Feed received bytes; returns the events they complete. Throws MkvStreamError on a stream it cannot follow. */
  push(chunk: Buffer): MkvEvent[] {
    this.totalBytes += chunk.length;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: MkvEvent[] = [];
    let pos = 0;
    for (;;) {
      const h = readHeader(this.buf, pos);
      if (!h) break;
      if (this.phase === 'ebml') {
        if (h.id !== ID.EBML) throw new MkvStreamError('not a Matroska/WebM stream (no EBML header)');
        if (h.size === null || h.size > 4096) throw new MkvStreamError('bad EBML header');
        if (pos + h.headerLength + h.size > this.buf.length) break;
        this.initParts.push(this.buf.subarray(pos, pos + h.headerLength + h.size));
        pos += h.headerLength + h.size;
        this.phase = 'segment';
        continue;
      }
      if (this.phase === 'segment') {
        if (h.id !== ID.Segment) throw new MkvStreamError('no Segment after the EBML header');
        this.initParts.push(Buffer.concat([encodeId(ID.Segment), UNKNOWN_SIZE]));
        pos += h.headerLength;
        this.phase = 'body';
        continue;
      }
      // body
      if (h.id === ID.Cluster) {
        if (!this.initDone) {
          this.initDone = true;
          events.push({ kind: 'init', bytes: Buffer.concat(this.initParts), tracks: this.tracks });
          this.initParts.length = 0;
        }
        events.push({ kind: 'cluster', bytes: Buffer.from(this.buf.subarray(pos, pos + h.headerLength)) });
        this.clusterRemaining = h.size;
        pos += h.headerLength;
        if (this.clusterRemaining === 0) this.clusterRemaining = undefined;
        continue;
      }
      if (this.clusterRemaining === null && TOP_LEVEL.has(h.id)) this.clusterRemaining = undefined; // unknown-size cluster ended
      if (h.id === ID.EBML || h.id === ID.Segment) throw new MkvStreamError('chained segments are not supported');
      if (h.size === null) throw new MkvStreamError(`element 0x${h.id.toString(16)} has an unknown size`);
      if (h.size > MAX_ELEMENT_BYTES) throw new MkvStreamError(`element 0x${h.id.toString(16)} is too large (${h.size} bytes)`);
      const total = h.headerLength + h.size;
      if (pos + total > this.buf.length) break;
      const bytes = Buffer.from(this.buf.subarray(pos, pos + total));
      pos += total;
      const inCluster = this.clusterRemaining !== undefined;
      if (!this.initDone) {
        this.initParts.push(bytes);
        if (h.id === ID.Tracks) this.tracks = parseTracks(bytes.subarray(h.headerLength));
        continue;
      }
      const block = inCluster ? blockInfo(h.id, bytes.subarray(h.headerLength)) : null;
      events.push({ kind: 'element', id: h.id, inCluster, bytes, block });
      if (typeof this.clusterRemaining === 'number') {
        this.clusterRemaining -= total;
        if (this.clusterRemaining <= 0) this.clusterRemaining = undefined;
      }
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(pos));
    if (this.buf.length > MAX_ELEMENT_BYTES + 16) throw new MkvStreamError('stream buffer overflow');
    return events;
  }

  get trackList(): readonly MkvTrack[] {
    return this.tracks;
  }
}
