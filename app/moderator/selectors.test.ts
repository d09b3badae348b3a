import { describe, expect, it } from 'vitest';
import { type AuditEntry, type QuestionView, SuggestionRoute } from '../../shared/protocol/realtime';
import { inviteLink } from './controllers/moderation';
import { checkNewAccount, inviteFromHash } from './controllers/session';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import {
  auditActionKey,
  auditDetail,
  claimState,
  formatWaiting,
  parseList,
  parseWordList,
  selectQueue,
  selectQueueCounts,
  skewFrom,
  suggestionsBox,
  waitingLevel,
  waitingMs,
} from './selectors';

const q = (id: string, patch: Partial<QuestionView>): QuestionView => ({
  id: `q_${id.padEnd(6, 'x')}`,
  showId: 'show01',
  askerId: 'u_aaaaaaaaaaaa',
  askerName: 'a',
  text: id,
  productId: null,
  status: 'unanswered',
  claimedBy: null,
  answer: null,
  answeredBy: null,
  visibility: null,
  createdAt: 0,
  answeredAt: null,
  waitingMs: 0,
  ...patch,
});

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('moderator queue', () => {
  const questions = Object.fromEntries(
    [
      q('late', { createdAt: 100 }),
      q('early', { createdAt: 10 }),
      q('held', { createdAt: 5, status: 'claimed', claimedBy: 'Kai' }),
      q('done1', { createdAt: 1, status: 'answered', answeredAt: 50, visibility: 'private' }),
      q('done2', { createdAt: 2, status: 'answered', answeredAt: 80, visibility: 'public' }),
    ].map((x) => [x.id, x]),
  );

  it('open = unanswered (longest waiting first) then claimed; answered = newest answer first', () => {
    expect(selectQueue({ questions }, 'open').map((x) => x.text)).toEqual(['early', 'late', 'held']);
    expect(selectQueue({ questions }, 'answered').map((x) => x.text)).toEqual(['done2', 'done1']);
    expect(selectQueueCounts({ questions })).toEqual({ unanswered: 2, claimed: 1, answered: 2 });
    // Memoised per record: the same array for the same input.
    expect(selectQueue({ questions }, 'open')).toBe(selectQueue({ questions }, 'open'));
  });

  it('waiting time runs on the server clock for open questions and stops at the answer', () => {
    expect(waitingMs(q('x', { createdAt: 1000 }), 5000, 500)).toBe(4500);
    expect(waitingMs(q('x', { createdAt: 1000, status: 'answered', answeredAt: 3000 }), 99_000, 0)).toBe(2000);
    expect(skewFrom(q('x', { createdAt: 1000, waitingMs: 200 }), 1100)).toBe(100);
    expect(skewFrom(q('x', { status: 'answered' }), 1100)).toBeNull();
    expect(formatWaiting(65_000)).toBe('1:05');
    expect(formatWaiting(3_723_000)).toBe('1:02:03');
    expect([waitingLevel(5000), waitingLevel(45_000), waitingLevel(180_000)]).toEqual(['ok', 'warn', 'late']);
  });

  it('claim state from this moderator’s point of view', () => {
    expect(claimState(q('x', {}), 'Lin')).toBe('free');
    expect(claimState(q('x', { status: 'claimed', claimedBy: 'Lin' }), 'Lin')).toBe('mine');
    expect(claimState(q('x', { status: 'claimed', claimedBy: 'Kai' }), 'Lin')).toBe('other');
    expect(claimState(q('x', { status: 'answered' }), 'Lin')).toBe('answered');
  });
});

describe('moderator forms', () => {
  it('parses the word list: lines and commas, trimmed, case-insensitive duplicates, too-long entries reported', () => {
    const r = parseWordList('spam\n  Spam \n加微信，代购、 刷单\n\n' + 'x'.repeat(41));
    expect(r.words).toEqual(['spam', '加微信', '代购', '刷单']);
    expect(r.tooLong).toEqual(['x'.repeat(41)]);
    expect(r.overLimit).toBe(false);
    expect(parseWordList(Array.from({ length: 2001 }, (_, i) => `w${i}`).join('\n')).overLimit).toBe(true);
    expect(parseList('Shop.Example.com, a.cn\nshop.example.com')).toEqual(['shop.example.com', 'a.cn']);
  });

  it('reads invite codes from the link fragment only when valid', () => {
    expect(inviteFromHash('#invite=abcdefghijklmnop1234')).toBe('abcdefghijklmnop1234');
    expect(inviteFromHash('#invite=short')).toBeNull();
    expect(inviteFromHash('')).toBeNull();
    expect(inviteLink('https://shop.example/', 'abcdefghijklmnop1234')).toBe('https://shop.example/moderator#invite=abcdefghijklmnop1234');
  });

  it('checks new accounts like the server', () => {
    expect(checkNewAccount('Lin', 'password1', 'password1')).toEqual({ ok: true });
    expect(checkNewAccount('L', 'password1', 'password1')).toEqual({ ok: false, code: 'NAME' });
    expect(checkNewAccount('Lin', 'short', 'short')).toEqual({ ok: false, code: 'PASSWORD' });
    expect(checkNewAccount('Lin', 'password1', 'password2')).toEqual({ ok: false, code: 'MISMATCH' });
  });

  it('describes audit entries', () => {
    const e: AuditEntry = {
      id: 1,
      showId: 'show01',
      actorId: 'a',
      actorName: 'Lin',
      actorRole: 'owner',
      action: 'user.ban',
      target: 'u_aaaaaaaaaaaa',
      reason: 'spam',
      detail: { name: 'Troll', removed: 3 },
      at: 0,
    };
    expect(auditActionKey(e)).toBe('audit.action.user_ban');
    expect(auditActionKey({ ...e, action: 'something.new' })).toBeNull();
    expect(auditDetail(e)).toBe('Troll · −3 msg');
  });
});

describe('moderator locales', () => {
  it('zh-CN and en define the same keys, and every audit action has a label', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort());
    for (const action of ['question.claim', 'user.ban', 'filter.set', 'announcement.clear']) {
      const key = auditActionKey({ action } as AuditEntry)!
        .split('.')
        .slice(2)
        .join('.');
      expect((en.audit.action as Record<string, string>)[key]).toBeTruthy();
      expect((zhCN.audit.action as Record<string, string>)[key]).toBeTruthy();
    }
  });
});

describe('suggestions box', () => {
  const sure = {
    source: 'fact' as const,
    title: 'Mug',
    text: '¥59',
    productId: null,
    score: 0.9,
    confidence: 0.9,
    fact: 'price',
    auto: true,
  };
  const state = (patch: object) => ({ questionId: 'q_aaaaaaaa', loading: false, items: [], route: null, error: null, ...patch });

  it('shows why a routed question needs a person instead of any suggestion', () => {
    expect(suggestionsBox(state({ route: 'refund', items: [sure] }))).toEqual({ kind: 'person', key: 'detail.route.refund' });
    expect(suggestionsBox(state({ route: 'complaint' }))).toEqual({ kind: 'person', key: 'detail.route.complaint' });
  });

  it('shows suggestions, nothing, an error or a spinner otherwise', () => {
    expect(suggestionsBox(state({ items: [sure] }))).toEqual({ kind: 'items', items: [sure] });
    expect(suggestionsBox(state({}))).toEqual({ kind: 'none' });
    expect(suggestionsBox(state({ error: 'TIMEOUT' }))).toEqual({ kind: 'error' });
    expect(suggestionsBox(state({ loading: true }))).toEqual({ kind: 'loading' });
    expect(suggestionsBox(null)).toEqual({ kind: 'loading' });
  });

  it('has a zh-CN and an en line for every route', () => {
    for (const route of SuggestionRoute.options) {
      expect(en.detail.route[route]).toMatch(/^Needs a person/);
      expect(zhCN.detail.route[route]).toMatch(/^需要人工处理/);
    }
  });
});
