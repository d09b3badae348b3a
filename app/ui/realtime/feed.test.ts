import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { Batch } from '../../../shared/protocol/realtime';
import { applyBatch, type FeedSlice, feedSlice, initialFeed } from './feed';

const batch = (items: Batch['items']): Batch => ({ seq: 1, chat: 0, dropped: 0, sampled: false, items });

describe('realtime feed', () => {
  it('own likes are not burst twice, others’ are', () => {
    const s = { ...initialFeed(), likes: 10, ownLikesPending: 3 };
    const patch = applyBatch(s, batch([{ k: 'likes', total: 18, delta: 8 }]));
    expect(patch).toMatchObject({ ownLikesPending: 0, likeBurst: 5, likes: 18 });
  });

  it('local notices join the server notices in order, capped', () => {
    const store = createStore<FeedSlice>()((...a) => feedSlice<FeedSlice>()(...a));
    store.getState().rtBatch(batch([{ k: 'notice', notice: { type: 'text', text: 'from server' }, ts: 1 }]));
    store.getState().rtLocalNotice({ type: 'product.pinned', productId: 'p_abcdefgh', title: 'Scarf' }, 2);
    const notices = store.getState().notices;
    expect(notices.map((n) => [n.notice.type, n.n])).toEqual([
      ['text', 1],
      ['product.pinned', 2],
    ]);
    for (let i = 0; i < 40; i++) store.getState().rtLocalNotice({ type: 'text', text: `n${i}` }, 3 + i);
    expect(store.getState().notices.length).toBe(20);
  });
});
