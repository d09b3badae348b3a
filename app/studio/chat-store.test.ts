import { describe, expect, it } from 'vitest';
import type { QuestionView } from '../../shared/protocol/realtime';
import { createChatStore, openQuestions, unansweredCount } from './chat-store';
import { chatTarget } from './controllers/chat';

function q(id: string, status: QuestionView['status'], createdAt: number): QuestionView {
  return {
    id,
    showId: 'sh_0123456789ab',
    askerId: 'u_asker0001',
    askerName: 'A',
    text: 'question',
    productId: null,
    status,
    claimedBy: status === 'unanswered' ? null : 'Host',
    answer: status === 'answered' ? 'yes' : null,
    answeredBy: status === 'answered' ? 'Host' : null,
    visibility: status === 'answered' ? 'public' : null,
    createdAt,
    answeredAt: status === 'answered' ? createdAt + 10 : null,
    waitingMs: 0,
  };
}

describe('chat store', () => {
  it('open questions: unanswered (longest waiting first), then claimed; answered ones leave the queue', () => {
    const store = createChatStore();
    store
      .getState()
      .rtQuestions([
        q('q_answered1', 'answered', 1),
        q('q_claimed01', 'claimed', 2),
        q('q_newer0001', 'unanswered', 5),
        q('q_older0001', 'unanswered', 3),
      ]);
    expect(openQuestions(store.getState()).map((x) => x.id)).toEqual(['q_older0001', 'q_newer0001', 'q_claimed01']);
    expect(unansweredCount(store.getState())).toBe(2);
    // An update from a batch replaces the question by id.
    store.getState().rtQuestions([q('q_older0001', 'answered', 3)]);
    expect(unansweredCount(store.getState())).toBe(1);
  });

  it('switching show clears the answer editor', () => {
    const store = createChatStore();
    store.getState().setChatShow('sh_first00001');
    store.getState().setAnswering('q_older0001');
    store.getState().setChatShow('sh_second0001');
    expect(store.getState().answering).toBeNull();
  });

  it('follows the open show until it ends', () => {
    const show = { id: 'sh_0123456789ab', title: 't', createdAt: 1, startedAt: null, endedAt: null };
    const publish = (s: object | null) => ({ publish: { show: s } }) as unknown as Parameters<typeof chatTarget>[0];
    expect(chatTarget(publish(null))).toBeNull();
    expect(chatTarget(publish({ ...show, status: 'ready' }))).toBe(show.id);
    expect(chatTarget(publish({ ...show, status: 'live' }))).toBe(show.id);
    expect(chatTarget(publish({ ...show, status: 'ended' }))).toBeNull();
  });
});
