import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { Batch, PublicAnswer } from '../../../shared/protocol/realtime';
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
  it('a retracted automatic answer leaves the pinned slot and the private cards; a person’s answer stays', () => {
    const a = (questionId: string, auto: boolean, answer = 'A'): PublicAnswer => ({
      questionId,
      question: 'Q',
      askerName: 'x',
      productId: null,
      answer,
      answeredBy: 'auto-reply',
      answeredAt: 1,
      ...(auto ? { auto: true } : {}),
    });
    const store = createStore<FeedSlice>()((...args) => feedSlice<FeedSlice>()(...args));
    store.getState().rtBatch(batch([{ k: 'answer', answer: a('q_pinned01', true) }]));
    store.getState().rtPrivateAnswer(a('q_private1', true));
    store.getState().rtBatch(
      batch([
        { k: 'retract', questionId: 'q_pinned01' },
        { k: 'retract', questionId: 'q_private1' },
      ]),
    );
    expect(store.getState().pinnedAnswer).toBeNull();
    expect(store.getState().privateAnswers).toEqual([]);
    // A correction: the new answer arrives with the retract of the automatic one, in either order.
    store.getState().rtBatch(batch([{ k: 'answer', answer: a('q_pinned01', true) }]));
    store.getState().rtBatch(
      batch([
        { k: 'retract', questionId: 'q_pinned01' },
        { k: 'answer', answer: a('q_pinned01', false, 'B') },
      ]),
    );
    expect(store.getState().pinnedAnswer).toMatchObject({ answer: 'B' });
    store.getState().rtPrivateAnswer(a('q_private1', false, 'C'));
    store.getState().rtBatch(batch([{ k: 'retract', questionId: 'q_private1' }]));
    expect(store.getState().privateAnswers).toMatchObject([{ answer: 'C' }]);
  });
});
