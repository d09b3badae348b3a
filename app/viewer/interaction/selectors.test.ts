import { describe, expect, it } from 'vitest';
import type { ChatMessage, PublicAnswer } from '../../../shared/protocol/realtime';
import type { FeedNotice } from '../../ui/realtime/feed';
import { createViewerStore } from '../store';
import { isSendErrorVisible, mergeEntries, retrySeconds, selectComposerState, selectPrivateAnswer, sendErrorKey } from './selectors';

const m = (id: string, ts: number): ChatMessage => ({
  id: `m_${id}xxxxx`,
  userId: 'u_aaaaaaaaaaaa',
  name: 'a',
  role: 'viewer',
  text: id,
  ts,
});
const n = (seq: number, ts: number): FeedNotice => ({ n: seq, ts, notice: { type: 'text', text: `n${seq}` } });
const answer = (q: string): PublicAnswer => ({
  questionId: `q_${q}xxxxxx`,
  question: 'q',
  askerName: 'a',
  productId: null,
  answer: 'a',
  answeredBy: 'mod',
  answeredAt: 1,
});

describe('viewer interaction selectors', () => {
  it('merges chat and notices in time order (chat first on ties)', () => {
    const out = mergeEntries([m('a', 1), m('b', 5), m('c', 9)], [n(1, 0), n(2, 5), n(3, 10)]);
    expect(out.map((e) => (e.kind === 'chat' ? e.message.text : `#${e.notice.n}`))).toEqual(['#1', 'a', 'b', '#2', 'c', '#3']);
  });

  it('composer state: banned and muted win over connection state', () => {
    const s = createViewerStore().getState();
    const you = {
      userId: 'u_aaaaaaaaaaaa',
      name: 'x',
      role: 'viewer' as const,
      canPost: true,
      banned: false,
      mutedUntil: null,
      following: false,
    };
    expect(selectComposerState({ ...s, rtStatus: 'connecting' }, 0)).toBe('connecting');
    expect(selectComposerState({ ...s, rtStatus: 'open', you }, 0)).toBe('ready');
    expect(selectComposerState({ ...s, rtStatus: 'reconnecting', you }, 0)).toBe('offline');
    expect(selectComposerState({ ...s, rtStatus: 'open', you: { ...you, mutedUntil: 5000 } }, 1000)).toBe('muted');
    expect(selectComposerState({ ...s, rtStatus: 'open', you: { ...you, mutedUntil: 5000 } }, 6000)).toBe('ready');
    expect(selectComposerState({ ...s, rtStatus: 'open', you: { ...you, banned: true } }, 0)).toBe('banned');
  });

  it('maps refusals to i18n keys and retry waits', () => {
    expect(sendErrorKey('SLOW_MODE')).toBe('chat.error.SLOW_MODE');
    expect(sendErrorKey('SOMETHING_NEW')).toBe('chat.error.generic');
    const err = { scope: 'chat' as const, reason: 'RATE_LIMITED', retryAfterMs: 2500, at: 1000 };
    expect(retrySeconds(err, 1000)).toBe(3);
    expect(retrySeconds(err, 3600)).toBeNull();
    expect(isSendErrorVisible(err, 5000)).toBe(true);
    expect(isSendErrorVisible(err, 8000)).toBe(false);
    expect(isSendErrorVisible({ ...err, retryAfterMs: 60_000 }, 30_000)).toBe(true);
  });

  it('shows the newest private answer the viewer has not closed', () => {
    const store = createViewerStore();
    store.getState().rtPrivateAnswer(answer('one'));
    store.getState().rtPrivateAnswer(answer('two'));
    expect(selectPrivateAnswer(store.getState())?.questionId).toBe('q_twoxxxxxx');
    store.getState().dismissAnswer('q_twoxxxxxx');
    expect(selectPrivateAnswer(store.getState())?.questionId).toBe('q_onexxxxxx');
  });
});
