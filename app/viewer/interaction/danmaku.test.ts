import { describe, expect, it } from 'vitest';
import type { Batch, ChatMessage } from '../../../shared/protocol/realtime';
import { createViewerStore } from '../store';
import { DANMAKU_DURATION_MS, DANMAKU_LANES, DanmakuController, DanmakuLanes, danmakuText, estimateWidth } from './danmaku';

const msg = (id: string, text: string, userId = 'u_aaaaaaaaaaaa', ts = 1): ChatMessage => ({
  id: `m_${id.padEnd(6, 'x')}`,
  userId,
  name: 'n',
  role: 'viewer',
  text,
  ts,
});
const batch = (seq: number, messages: ChatMessage[], deleted: string[] = []): Batch => ({
  seq,
  chat: messages.length,
  dropped: 0,
  sampled: false,
  items: [...messages.map((m) => ({ k: 'chat' as const, m })), ...(deleted.length ? [{ k: 'delete' as const, ids: deleted }] : [])],
});

describe('danmaku lanes', () => {
  it('never lets a later item catch the previous one in its lane', () => {
    const W = 390;
    const lanes = new DanmakuLanes(1);
    expect(lanes.place(0, 60, W)).toBe(0);
    // A long (faster) item right after a short one would overtake it: the lane stays closed.
    expect(lanes.place(1000, 400, W)).toBeNull();
    // Once the short item's tail is far enough ahead, the long one fits without catching up.
    const free = lanes.freeAt({ start: 0, width: 60 }, 400, W);
    expect(free).toBeGreaterThan(1000);
    expect(lanes.place(free, 400, W)).toBe(0);
    // Check the geometry: the new head reaches x=0 no earlier than the old tail.
    const oldTailAtZero = DANMAKU_DURATION_MS;
    const newHeadAtZero = free + (DANMAKU_DURATION_MS * W) / (W + 400);
    expect(newHeadAtZero).toBeGreaterThanOrEqual(oldTailAtZero - 1e-6);
  });

  it('uses the topmost free lane and drops when all lanes are busy', () => {
    const lanes = new DanmakuLanes(3);
    expect([lanes.place(0, 100, 390), lanes.place(0, 100, 390), lanes.place(0, 100, 390)]).toEqual([0, 1, 2]);
    expect(lanes.place(10, 100, 390)).toBeNull();
    // The first lane frees once the first item's tail has entered plus the gap.
    expect(lanes.place(DANMAKU_DURATION_MS, 100, 390)).toBe(0);
  });

  it('drops everything while the stage has no width', () => {
    expect(new DanmakuLanes(5).place(0, 50, 0)).toBeNull();
  });

  it('estimates CJK wider than Latin and cuts long text', () => {
    expect(estimateWidth('你好你好')).toBeGreaterThan(estimateWidth('abcd'));
    expect([...danmakuText('x'.repeat(100))].length).toBe(40);
    expect(danmakuText('  a \n b  ')).toBe('a b');
  });
});

describe('danmaku controller', () => {
  function setup() {
    const store = createViewerStore();
    let t = 0;
    const timers: { fn: () => void; at: number }[] = [];
    const ctl = new DanmakuController({
      store,
      now: () => t,
      setTimer: (fn, ms) => {
        const timer = { fn, at: t + ms };
        timers.push(timer);
        return timer;
      },
      clearTimer: (x) => {
        const i = timers.indexOf(x as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    });
    ctl.setStageWidth(390);
    const advance = (ms: number) => {
      t += ms;
      for (const timer of [...timers].filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.fn();
      }
    };
    return { store, ctl, advance };
  }

  it('flies new chat, not the history a hello brought, and expires items', () => {
    const { store, ctl, advance } = setup();
    ctl.start();
    const history = [msg('old1', 'earlier'), msg('old2', 'before')];
    ctl.markSeen(history);
    store.setState({ messages: history });
    expect(store.getState().danmakuItems).toEqual([]);
    store.getState().rtBatch(batch(1, [msg('new1', 'hello!')]));
    expect(store.getState().danmakuItems.map((d) => d.text)).toEqual(['hello!']);
    advance(DANMAKU_DURATION_MS + 200);
    expect(store.getState().danmakuItems).toEqual([]);
  });

  it('marks own messages, removes deleted ones and clears when turned off', () => {
    const { store, ctl } = setup();
    ctl.start();
    store.setState({
      you: { userId: 'u_mememememe', name: 'me', role: 'viewer', canPost: true, banned: false, mutedUntil: null, following: false },
    });
    store.getState().rtBatch(batch(1, [msg('a1', 'mine', 'u_mememememe'), msg('b1', 'theirs')]));
    expect(store.getState().danmakuItems.map((d) => [d.text, d.own])).toEqual([
      ['mine', true],
      ['theirs', false],
    ]);
    store.getState().rtBatch(batch(2, [], [msg('b1', '').id]));
    expect(store.getState().danmakuItems.map((d) => d.text)).toEqual(['mine']);
    store.getState().setDanmaku({ enabled: false });
    expect(store.getState().danmakuItems).toEqual([]);
    store.getState().rtBatch(batch(3, [msg('c1', 'while off')]));
    expect(store.getState().danmakuItems).toEqual([]);
  });

  it('density sets the lane count and the on-screen cap', () => {
    const { store, ctl } = setup();
    ctl.start();
    store.getState().setDanmaku({ density: 'low' });
    const many = Array.from({ length: 20 }, (_, i) => msg(`l${i}`, `line ${i}`));
    store.getState().rtBatch(batch(1, many));
    expect(store.getState().danmakuItems.length).toBe(DANMAKU_LANES.low);
    expect(ctl.dropped).toBe(20 - DANMAKU_LANES.low);
  });
});
