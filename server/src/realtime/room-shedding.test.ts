/**
 * Chat shedding is per window of time, not per flush: a flush the hub makes late (its event loop stalled) covers
 * several windows and keeps that many windows' worth of chat, up to four; a punctual flush keeps one window's worth.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../shared/protocol/realtime';
import { parseRealtimeConfig } from './config';
import { type DeliveryStats, Room } from './room';
import type { StreamEntry } from './stream';

function room() {
  const r = new Room('show-shed', parseRealtimeConfig({ batchMs: 100, chatPerBatch: 10 }), {
    likes: 0,
    slowModeSeconds: 0,
    announcement: null,
    pinnedAnswer: null,
    autoReply: 'off',
  });
  const entries: StreamEntry[] = [];
  r.sink = (e) => entries.push(e);
  return { r, entries };
}

const stats: DeliveryStats = { batches: 0, frames: 0, sampledFrames: 0, closedSlow: 0, chatDelivered: 0 };
let seq = 0;
function say(r: Room, n: number): void {
  for (let i = 0; i < n; i++) {
    const id = `m_shed${String(seq++).padStart(6, '0')}`;
    const msg: ChatMessage = { id, userId: 'u_shedtest01', name: '买家', role: 'viewer', text: `hi ${seq}`, ts: seq };
    r.addChat('k', msg);
  }
}

describe('chat shedding per window', () => {
  it('keeps one window of chat on a punctual flush, more on a late one, at most four windows', () => {
    const { r, entries } = room();
    say(r, 40);
    r.flush(1_000, stats); // the first flush: one window
    say(r, 40);
    r.flush(1_100, stats); // punctual
    say(r, 40);
    r.flush(1_350, stats); // 2.5 windows late
    say(r, 100);
    r.flush(5_000, stats); // a long stall: capped at four windows
    expect(entries.map((e) => [e.chat, e.dropped])).toEqual([
      [10, 30],
      [10, 30],
      [25, 15],
      [40, 60],
    ]);
    // The newest messages are the ones kept.
    const last = entries.at(-1)!.items.flatMap((it) => (it.k === 'chat' ? [it.m.id] : []));
    expect(last.at(-1)).toBe(`m_shed${String(seq - 1).padStart(6, '0')}`);
  });
});
