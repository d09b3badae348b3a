/**
 * Writing one batch to a room's members:
 *  - the batch is serialized ONCE (plus once for staff when there are staff-only items, plus once for slow sockets —
 *    without chat — when any member is lagging) and the same Buffer is written to every member;
 *  - a member whose send buffer exceeds the soft limit gets the sampled frame until it drains below half of it;
 *    above the hard limit for `hardBufferMs` (or above `maxBufferBytes` at any time), or lagging without draining for
 *    `lagTimeoutMs`, it is closed with 4008;
 *  - a socket that has not said hello yet (cluster mode) has its frames held, up to HELD_MAX.
 */
import type { BatchItem, StreamPosition } from '../../../shared/protocol/realtime';
import { REALTIME_CLOSE } from '../../../shared/protocol/realtime';
import type { RealtimeConfig } from './config';
import type { Connection } from './connection';

export interface DeliveryStats {
  batches: number;
  frames: number;
  sampledFrames: number;
  closedSlow: number;
  chatDelivered: number;
}

/** Frames kept back for a socket that has not said hello (cluster mode) before it is closed. */
const HELD_MAX = 2000;

export interface Batch {
  seq: number;
  /** Items every member gets (chat included). */
  full: BatchItem[];
  /** Items only staff get, after `full`. */
  staffOnly: BatchItem[];
  /** Chat messages in `full`, and those shed this window. */
  chatSent: number;
  dropped: number;
  /** Cluster mode: the stream position this batch is (null on one node). */
  pos: StreamPosition | null;
}

export function writeBatch(members: Iterable<Connection>, config: RealtimeConfig, b: Batch, now: number, stats: DeliveryStats): void {
  const { full, staffOnly, chatSent } = b;
  const sampled = full.filter((it) => it.k !== 'chat');
  const chatTotal = chatSent + b.dropped;
  const encode = (items: BatchItem[], isSampled: boolean, chat: number) =>
    encodeBatch(b.seq, items, isSampled, chat, chatTotal - chat, b.pos);
  const viewerFrame = full.length ? encode(full, false, chatSent) : null;
  const staffFrame = staffOnly.length ? encode([...full, ...staffOnly], false, chatSent) : viewerFrame;
  let viewerSampled: Buffer | null | undefined;
  let staffSampled: Buffer | null | undefined;
  stats.batches++;

  for (const m of members) {
    if (m.held) {
      const frame = m.staff ? staffFrame : viewerFrame;
      if (frame) m.held.push(frame);
      if (m.held.length > HELD_MAX) m.close(REALTIME_CLOSE.TOO_SLOW, 'no hello');
      continue;
    }
    if (!m.open) continue;
    if (!checkMember(m, config, m.buffered, now, stats)) continue;
    let frame: Buffer | null;
    if (m.lagging) {
      if (m.staff) {
        staffSampled ??= sampled.length || staffOnly.length ? encode([...sampled, ...staffOnly], true, 0) : null;
        frame = staffSampled;
      } else {
        viewerSampled ??= sampled.length ? encode(sampled, true, 0) : null;
        frame = viewerSampled;
      }
      if (frame) stats.sampledFrames++;
    } else {
      frame = m.staff ? staffFrame : viewerFrame;
      if (frame) stats.chatDelivered += chatSent;
    }
    if (frame) {
      m.sendRaw(frame);
      stats.frames++;
    }
  }
}

/** Slow-client bookkeeping for one member; returns false when it was closed. */
export function checkMember(m: Connection, c: RealtimeConfig, buffered: number, now: number, stats: DeliveryStats): boolean {
  const max = c.maxBufferBytes ?? c.hardBufferBytes * 4;
  if (buffered > c.hardBufferBytes) {
    m.overSince ??= now;
    if (buffered > max || now - m.overSince >= c.hardBufferMs) {
      stats.closedSlow++;
      m.log.info({ buffered, overMs: now - m.overSince }, 'realtime client too slow; closing');
      m.close(REALTIME_CLOSE.TOO_SLOW, 'too slow');
      return false;
    }
  } else {
    m.overSince = null;
  }
  if (buffered > c.softBufferBytes) {
    if (!m.lagging) {
      m.lagging = true;
      m.lagSince = now;
    } else if (now - (m.lagSince ?? now) >= c.lagTimeoutMs) {
      stats.closedSlow++;
      m.log.info({ buffered, lagMs: now - (m.lagSince ?? now) }, 'realtime client lagging too long; closing');
      m.close(REALTIME_CLOSE.TOO_SLOW, 'too slow');
      return false;
    }
  } else if (m.lagging && buffered <= c.softBufferBytes / 2) {
    m.lagging = false;
    m.lagSince = null;
  }
  return true;
}

export function encodeBatch(
  seq: number,
  items: BatchItem[],
  sampled: boolean,
  chat: number,
  dropped: number,
  pos: StreamPosition | null,
): Buffer {
  const data = pos ? { seq, epoch: pos.epoch, offset: pos.offset, chat, dropped, sampled, items } : { seq, chat, dropped, sampled, items };
  return Buffer.from(JSON.stringify({ t: 'ntf', method: 'batch', data }), 'utf8');
}
