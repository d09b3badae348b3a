import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import type { QuestionView } from '../../../shared/protocol/realtime';
import { useMod, useModerator } from '../context';
import { claimState, formatWaiting, selectQueue, selectQueueCounts, suggestionsBox, waitingLevel, waitingMs } from '../selectors';
import { AutoReplyToggle } from './AutoReplyToggle';
import { formatClock, Spinner, useNow } from './common';
import { Composer } from './Composer';
import { UserActions } from './UserActions';

/** The live question queue: open (unanswered first, longest waiting first, then claimed) or answered. */
export function QuestionQueue() {
  const { t } = useTranslation();
  const { moderation, store } = useModerator();
  const filter = useMod((s) => s.queueFilter);
  const queue = useMod((s) => selectQueue(s, filter));
  const { unanswered, claimed, answered } = useMod(useShallow(selectQueueCounts));
  const selected = useMod((s) => s.selectedQuestionId);
  const now = useNow(filter === 'open' && queue.length > 0);
  const skew = useMod((s) => s.clockSkewMs);
  return (
    <section className="panel queue" aria-label={t('queue.title')} data-testid="question-queue">
      <header className="panel-head">
        <h2>{t('queue.title')}</h2>
        <div className="seg" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={filter === 'open'}
            className={`seg-btn${filter === 'open' ? ' seg-btn--active' : ''}`}
            onClick={() => store.getState().setMod({ queueFilter: 'open' })}
            data-testid="queue-open"
          >
            {t('queue.open', { count: unanswered + claimed })}
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={filter === 'answered'}
            className={`seg-btn${filter === 'answered' ? ' seg-btn--active' : ''}`}
            onClick={() => store.getState().setMod({ queueFilter: 'answered' })}
            data-testid="queue-answered"
          >
            {t('queue.answered', { count: answered })}
          </button>
        </div>
      </header>
      <AutoReplyToggle />
      {queue.length === 0 ? (
        <div className="empty">{filter === 'open' ? t('queue.emptyOpen') : t('queue.emptyAnswered')}</div>
      ) : (
        <ol className="queue-list">
          {queue.map((q) => (
            <QueueItem
              key={q.id}
              q={q}
              selected={q.id === selected}
              now={now}
              skew={skew}
              onSelect={() => moderation.selectQuestion(q.id)}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

function QueueItem({
  q,
  selected,
  now,
  skew,
  onSelect,
}: {
  q: QuestionView;
  selected: boolean;
  now: number;
  skew: number;
  onSelect: () => void;
}) {
  const { t } = useTranslation();
  const me = useMod((s) => s.you?.name ?? null);
  const product = useMod((s) => (q.productId ? (s.products[q.productId]?.title ?? q.productId) : null));
  const wait = waitingMs(q, now, skew);
  const claim = claimState(q, me);
  return (
    <li>
      <button
        type="button"
        className={`queue-item queue-item--claim-${claim}${selected ? ' queue-item--selected' : ''}`}
        onClick={onSelect}
        aria-pressed={selected}
        data-testid="queue-item"
        data-question-id={q.id}
        data-status={q.status}
      >
        <span className="qi-top">
          <span className="qi-asker">{q.askerName}</span>
          <span className={`qi-wait wait-${q.status === 'answered' ? 'ok' : waitingLevel(wait)}`} title={t('queue.waiting')}>
            {formatWaiting(wait)}
          </span>
        </span>
        <span className="qi-text">{q.text}</span>
        <span className="qi-meta">
          {product && <span className="chip chip--price">{product}</span>}
          {claim === 'mine' && <span className="chip chip--ok">{t('queue.claimedByMe')}</span>}
          {claim === 'other' && <span className="chip chip--warn">{t('queue.claimedBy', { name: q.claimedBy })}</span>}
          {claim === 'answered' && (
            <span className={`chip ${q.visibility === 'private' ? 'chip--private' : 'chip--info'}`}>
              {t(`queue.answeredVis.${q.visibility ?? 'public'}`)}
            </span>
          )}
          {q.auto && <span className="chip chip--indigo">{t('queue.auto')}</span>}
        </span>
      </button>
    </li>
  );
}

/** The selected question: claim/release, answer (public or private) with suggestions and canned replies. */
export function QuestionDetail() {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const q = useMod((s) => (s.selectedQuestionId ? (s.questions[s.selectedQuestionId] ?? null) : null));
  const me = useMod((s) => s.you?.name ?? null);
  const product = useMod((s) => (q?.productId ? (s.products[q.productId] ?? null) : null));
  const claimBusy = useMod((s) => (q ? s.busy[`claim:${q.id}`] === true : false));
  const answerBusy = useMod((s) => (q ? s.busy[`answer:${q.id}`] === true : false));
  const skew = useMod((s) => s.clockSkewMs);
  const now = useNow(q !== null && q.status !== 'answered');
  if (!q) {
    return (
      <section className="panel detail empty-detail" data-testid="question-detail">
        <div className="empty empty--big">
          <strong>{t('detail.noneTitle')}</strong>
          <span>{t('detail.noneBody')}</span>
        </div>
      </section>
    );
  }
  const claim = claimState(q, me);
  const canAnswer = claim === 'mine';
  const wait = waitingMs(q, now, skew);
  return (
    <section className="panel detail" aria-label={t('detail.title')} data-testid="question-detail" data-question-id={q.id}>
      <header className="detail-head">
        <div className="detail-asker">
          <strong>{q.askerName}</strong>
          <span className="muted small">
            {t('detail.asked', { time: formatClock(q.createdAt, i18n.language) })} ·{' '}
            <span className={`wait-${q.status === 'answered' ? 'ok' : waitingLevel(wait)}`}>
              {q.status === 'answered'
                ? t('detail.answeredAfter', { time: formatWaiting(wait) })
                : t('detail.waiting', { time: formatWaiting(wait) })}
            </span>
          </span>
        </div>
        <UserActions userId={q.askerId} name={q.askerName} compact />
      </header>
      {q.productId && (
        <div className="product-context" data-testid="question-product">
          {product?.thumbUrl ? <img src={product.thumbUrl} alt="" /> : <span className="thumb-empty" aria-hidden />}
          <div>
            <span className="muted small">{t('detail.about')}</span>
            <strong>{product?.title ?? q.productId}</strong>
          </div>
        </div>
      )}
      <p className="question-text" data-testid="question-text">
        {q.text}
      </p>

      {q.status === 'answered' ? (
        <>
          <div className="answered-box" data-testid="answered-box" data-auto={q.auto === true}>
            <span className={`chip ${q.visibility === 'private' ? 'chip--private' : 'chip--info'}`}>
              {t(`queue.answeredVis.${q.visibility ?? 'public'}`)}
            </span>
            {q.auto && (
              <span className="chip chip--indigo" data-testid="auto-reply-mark">
                {t('detail.autoReply')}
              </span>
            )}
            <p>{q.answer}</p>
            <span className="muted small">
              {q.auto
                ? t('detail.autoSentAt', { time: q.answeredAt ? formatClock(q.answeredAt, i18n.language) : '' })
                : t('detail.answeredBy', { name: q.answeredBy, time: q.answeredAt ? formatClock(q.answeredAt, i18n.language) : '' })}
            </span>
            {q.auto && (
              <div className="claim-row">
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  disabled={answerBusy}
                  onClick={() => void moderation.retract(q.id)}
                  data-testid="auto-retract"
                >
                  {t('detail.retract')}
                </button>
                <span className="muted small">{t('detail.correctHint')}</span>
              </div>
            )}
          </div>
          {q.auto && <Composer questionId={q.id} canAnswer />}
        </>
      ) : (
        <>
          <div className="claim-row">
            {claim === 'free' && (
              <button
                type="button"
                className="btn btn--primary"
                disabled={claimBusy}
                onClick={() => void moderation.claim(q.id)}
                data-testid="claim"
              >
                {t('detail.claim')}
              </button>
            )}
            {claim === 'mine' && (
              <>
                <span className="chip chip--ok">{t('queue.claimedByMe')}</span>
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  disabled={claimBusy}
                  onClick={() => void moderation.release(q.id)}
                  data-testid="release"
                >
                  {t('detail.release')}
                </button>
              </>
            )}
            {claim === 'other' && (
              <span className="banner banner--warn banner--inline" data-testid="claimed-other">
                {t('detail.claimedOther', { name: q.claimedBy })}
              </span>
            )}
            {claim === 'free' && <span className="muted small">{t('detail.claimHint')}</span>}
          </div>
          <Composer questionId={q.id} canAnswer={canAnswer} />
          <Suggestions questionId={q.id} disabled={!canAnswer} />
          <CannedChips questionId={q.id} disabled={!canAnswer} />
        </>
      )}
    </section>
  );
}

function Suggestions({ questionId, disabled }: { questionId: string; disabled: boolean }) {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const sug = useMod((s) => (s.suggestions?.questionId === questionId ? s.suggestions : null));
  const box = suggestionsBox(sug);
  return (
    <div className="suggestions" data-testid="suggestions">
      <h3 className="section-label">
        {t('detail.suggested')}
        {sug?.loading && <Spinner />}
      </h3>
      {box.kind === 'person' && (
        <p className="small wait-warn" data-testid="suggestion-route">
          {t(box.key)}
        </p>
      )}
      {(box.kind === 'none' || box.kind === 'error') && (
        <p className="muted small">{box.kind === 'error' ? t('detail.suggestError') : t('detail.noSuggestions')}</p>
      )}
      <ul>
        {(box.kind === 'items' ? box.items : []).map((s) => (
          <li key={`${s.source}:${s.title}:${s.text.slice(0, 40)}`} className="suggestion" data-testid="suggestion">
            <div className="suggestion-head">
              <span className={`chip ${s.source === 'faq' ? 'chip--info' : s.source === 'canned' ? 'chip--ok' : 'chip--price'}`}>
                {t(`detail.source.${s.source}`)}
              </span>
              <span className="suggestion-title">
                {s.source === 'policy' ? t(`detail.policy.${s.title}`, { defaultValue: s.title }) : s.title}
              </span>
              <span
                className="chip muted small"
                title={t('detail.confidenceTitle')}
                data-testid="suggestion-confidence"
                data-confidence={s.confidence}
              >
                {t(s.auto ? 'detail.confidenceSure' : 'detail.confidence', { pct: Math.round(s.confidence * 100) })}
              </span>
            </div>
            <p>{s.text}</p>
            <button
              type="button"
              className="btn btn--ghost btn--small"
              disabled={disabled}
              onClick={() => moderation.insertText(questionId, s.text)}
              data-testid="use-suggestion"
            >
              {t('detail.use')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function CannedChips({ questionId, disabled }: { questionId: string; disabled: boolean }) {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const canned = useMod((s) => s.canned);
  if (canned.length === 0) return null;
  return (
    <div className="canned-chips">
      <h3 className="section-label">{t('detail.canned')}</h3>
      <div className="chips">
        {canned.map((c) => (
          <button
            key={c.id}
            type="button"
            className="chip-button"
            disabled={disabled}
            title={c.text}
            onClick={() => moderation.insertText(questionId, c.text)}
            data-testid="canned-chip"
          >
            {c.title}
          </button>
        ))}
      </div>
    </div>
  );
}
