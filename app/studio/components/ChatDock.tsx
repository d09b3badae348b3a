/**
 * Studio chat dock: the live chat with moderation actions (delete, timed mute, ban), the question queue with
 * questions highlighted (claim, answer publicly or privately, suggested answers), slow mode and the pinned
 * announcement. Reads the chat store; acts through the chat controller (same server checks as the moderator pane).
 * Chat text is rendered as React text only, never as HTML.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { AnswerVisibility, ChatMessage, QuestionView, Suggestion } from '../../../shared/protocol/realtime';
import { type ChatState, openQuestions, unansweredCount } from '../chat-store';
import { useStudio } from '../context';
import type { ChatActionResult } from '../controllers/chat';
import './chat-dock.css';

const MUTE_CHOICES = [300, 3600] as const;
const SLOW_CHOICES = [0, 3, 10, 30, 60] as const;

function useChat<T>(selector: (s: ChatState) => T): T {
  return useStore(useStudio().chatStore, selector);
}

function timeOf(ts: number, locale: string): string {
  return new Date(ts).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** Waiting time as i18n key + count. */
function waited(ms: number): [string, number] {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? ['chat.waitSeconds', s] : ['chat.waitMinutes', Math.floor(s / 60)];
}

/** A dock-wide line for the last failed action (cleared by the next success or after a few seconds). */
function useActionError() {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!error) return;
    const id = setTimeout(() => setError(null), 6000);
    return () => clearTimeout(id);
  }, [error]);
  return [error, setError] as const;
}

function MessageRow({ m, onResult }: { m: ChatMessage; onResult: (r: ChatActionResult) => void }) {
  const { t, i18n } = useTranslation();
  const { chat } = useStudio();
  const [confirmBan, setConfirmBan] = useState(false);
  const staff = m.role !== 'viewer';
  return (
    <li className={`dock-chat-line ${staff ? 'dock-chat-line--staff' : ''}`} data-testid="chat-line" data-message-id={m.id}>
      <span className="chat-time">{timeOf(m.ts, i18n.language)}</span>
      <span className={`dock-chat-name dock-chat-name--${m.role}`}>{m.name}</span>
      {m.role !== 'viewer' && <span className="chip chat-role">{t(`chat.role.${m.role}`)}</span>}
      <span className="dock-chat-text">{m.text}</span>
      {!staff && (
        <span className="chat-actions">
          <button
            type="button"
            className="chat-act"
            title={t('chat.delete')}
            aria-label={t('chat.delete')}
            data-testid="chat-delete"
            onClick={() => void chat.deleteMessage(m.id).then(onResult)}
          >
            ✕
          </button>
          {MUTE_CHOICES.map((s) => (
            <button
              key={s}
              type="button"
              className="chat-act"
              title={t('chat.muteFor', { duration: t(`chat.duration.${s}`) })}
              data-testid={`chat-mute-${s}`}
              onClick={() => void chat.mute(m.userId, s).then(onResult)}
            >
              {t(`chat.durationShort.${s}`)}
            </button>
          ))}
          {confirmBan ? (
            <>
              <button
                type="button"
                className="chat-act chat-act--danger"
                data-testid="chat-ban-confirm"
                onClick={() => {
                  setConfirmBan(false);
                  void chat.ban(m.userId).then(onResult);
                }}
              >
                {t('chat.banConfirm', { name: m.name })}
              </button>
              <button type="button" className="chat-act" onClick={() => setConfirmBan(false)}>
                {t('chat.cancel')}
              </button>
            </>
          ) : (
            <button
              type="button"
              className="chat-act chat-act--danger"
              title={t('chat.ban')}
              data-testid="chat-ban"
              onClick={() => setConfirmBan(true)}
            >
              {t('chat.ban')}
            </button>
          )}
        </span>
      )}
    </li>
  );
}

function ChatList({ onResult }: { onResult: (r: ChatActionResult) => void }) {
  const { t } = useTranslation();
  const messages = useChat((s) => s.messages);
  const listRef = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  // Follow the newest line unless the streamer scrolled up to read.
  useEffect(() => {
    const el = listRef.current;
    if (el && stick.current && messages.length > 0) el.scrollTop = el.scrollHeight;
  }, [messages]);
  return (
    <ol
      className="dock-chat-list"
      ref={listRef}
      data-testid="chat-list"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {messages.length === 0 && <li className="hint chat-empty">{t('chat.empty')}</li>}
      {messages.map((m) => (
        <MessageRow key={m.id} m={m} onResult={onResult} />
      ))}
    </ol>
  );
}

function AnswerEditor({ q, onResult }: { q: QuestionView; onResult: (r: ChatActionResult) => void }) {
  const { t } = useTranslation();
  const { chat } = useStudio();
  const [text, setText] = useState('');
  const [visibility, setVisibility] = useState<AnswerVisibility>('public');
  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    void chat.suggest(q.id).then((s) => live && setSuggestions(s));
    return () => {
      live = false;
    };
  }, [chat, q.id]);
  const submit = async () => {
    if (!text.trim()) return;
    setBusy(true);
    const r = await chat.answer(q.id, text.trim(), visibility);
    setBusy(false);
    onResult(r);
  };
  return (
    <div className="answer-editor">
      {suggestions && suggestions.length > 0 && (
        <div className="suggestions">
          <span className="hint">{t('chat.suggested')}</span>
          {suggestions.map((s) => (
            <button
              key={`${s.source}:${s.title}:${s.text.slice(0, 20)}`}
              type="button"
              className="dock-suggestion"
              title={s.text}
              onClick={() => setText(s.text)}
            >
              <strong>{s.title}</strong> {s.text}
            </button>
          ))}
        </div>
      )}
      <textarea
        className="input"
        rows={2}
        maxLength={1000}
        value={text}
        placeholder={t('chat.answerPlaceholder')}
        aria-label={t('chat.answerPlaceholder')}
        data-testid="answer-text"
        onChange={(e) => setText(e.target.value)}
      />
      <div className="answer-actions">
        <label className="radio">
          <input type="radio" checked={visibility === 'public'} onChange={() => setVisibility('public')} />
          {t('chat.public')}
        </label>
        <label className="radio">
          <input type="radio" checked={visibility === 'private'} data-testid="answer-private" onChange={() => setVisibility('private')} />
          {t('chat.private')}
        </label>
        <button
          type="button"
          className="btn btn--primary btn--small"
          disabled={busy || !text.trim()}
          data-testid="answer-send"
          onClick={() => void submit()}
        >
          {t('chat.answer')}
        </button>
      </div>
    </div>
  );
}

function QuestionCard({ q, onResult }: { q: QuestionView; onResult: (r: ChatActionResult) => void }) {
  const { t } = useTranslation();
  const { chat, chatStore } = useStudio();
  const answering = useChat((s) => s.answering === q.id);
  const me = useChat((s) => s.you?.name ?? null);
  const products = useStore(useStudio().store, (s) => s.catalog.products);
  const product = q.productId ? products.find((p) => p.id === q.productId) : undefined;
  const mine = q.status === 'claimed' && q.claimedBy === me;
  // waitingMs is the server's figure when the item was sent; keep counting locally while it waits.
  const [waitKey, waitCount] = waited(q.status === 'answered' ? q.waitingMs : Math.max(q.waitingMs, Date.now() - q.createdAt));
  const takenByOther = q.status === 'claimed' && !mine;
  const open = async () => {
    if (q.status === 'unanswered') {
      const r = await chat.claim(q.id);
      onResult(r);
      if (!r.ok) return;
    }
    chatStore.getState().setAnswering(q.id);
  };
  return (
    <li className={`question question--${q.status}`} data-testid="question" data-question-id={q.id}>
      <div className="question-head">
        <span className="dock-chat-name">{q.askerName}</span>
        {product && <span className="chip">{product.title}</span>}
        <span className="question-wait">{t(waitKey, { count: waitCount })}</span>
      </div>
      <p className="dock-question-text">{q.text}</p>
      {takenByOther && <span className="hint">{t('chat.claimedBy', { name: q.claimedBy })}</span>}
      {!answering && !takenByOther && (
        <div className="answer-actions">
          <button type="button" className="btn btn--small" data-testid="question-answer" onClick={() => void open()}>
            {q.status === 'unanswered' ? t('chat.claimAndAnswer') : t('chat.answer')}
          </button>
          {mine && (
            <button type="button" className="btn btn--ghost btn--small" onClick={() => void chat.release(q.id).then(onResult)}>
              {t('chat.release')}
            </button>
          )}
        </div>
      )}
      {answering && <AnswerEditor q={q} onResult={onResult} />}
    </li>
  );
}

function QuestionList({ onResult }: { onResult: (r: ChatActionResult) => void }) {
  const { t } = useTranslation();
  const questions = useChat((s) => s.questions);
  const list = openQuestions({ questions });
  // Waiting times tick while the dock is open.
  const [, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(id);
  }, []);
  return (
    <ol className="question-list" data-testid="question-list">
      {list.length === 0 && <li className="hint chat-empty">{t('chat.noQuestions')}</li>}
      {list.map((q) => (
        <QuestionCard key={q.id} q={q} onResult={onResult} />
      ))}
    </ol>
  );
}

function Composer({ onError }: { onError: (text: string) => void }) {
  const { t } = useTranslation();
  const { chat } = useStudio();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const send = async () => {
    const body = text.trim();
    if (!body) return;
    setBusy(true);
    const r = await chat.send(body);
    setBusy(false);
    if (r.ok) setText('');
    else onError(t(`chat.reject.${r.reason}`, { defaultValue: r.message }));
  };
  return (
    <form
      className="chat-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <input
        className="input"
        value={text}
        maxLength={1000}
        placeholder={t('chat.sendPlaceholder')}
        aria-label={t('chat.sendPlaceholder')}
        data-testid="chat-input"
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="btn btn--small" disabled={busy || !text.trim()}>
        {t('chat.send')}
      </button>
    </form>
  );
}

function RoomControls({ onResult }: { onResult: (r: ChatActionResult) => void }) {
  const { t } = useTranslation();
  const { chat } = useStudio();
  const slow = useChat((s) => s.slowModeSeconds);
  const announcement = useChat((s) => s.announcement);
  const [draft, setDraft] = useState('');
  return (
    <div className="chat-room-controls">
      <label className="inline-field">
        <span>{t('chat.slowMode')}</span>
        <select
          className="input"
          value={slow}
          data-testid="slow-mode"
          onChange={(e) => void chat.setSlowMode(Number(e.target.value)).then(onResult)}
        >
          {[...new Set([...SLOW_CHOICES, slow])].map((s) => (
            <option key={s} value={s}>
              {s === 0 ? t('chat.slowOff') : t('chat.slowSeconds', { count: s })}
            </option>
          ))}
        </select>
      </label>
      {announcement ? (
        <div className="announcement-line">
          <span className="chip">{t('chat.announcement')}</span>
          <span className="dock-announcement-text">{announcement.text}</span>
          <button type="button" className="link-btn" onClick={() => void chat.announce(null).then(onResult)}>
            {t('chat.clear')}
          </button>
        </div>
      ) : (
        <form
          className="chat-composer"
          onSubmit={(e) => {
            e.preventDefault();
            if (!draft.trim()) return;
            void chat.announce(draft.trim()).then((r) => {
              onResult(r);
              if (r.ok) setDraft('');
            });
          }}
        >
          <input
            className="input"
            value={draft}
            maxLength={200}
            placeholder={t('chat.announcePlaceholder')}
            aria-label={t('chat.announcePlaceholder')}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button type="submit" className="btn btn--ghost btn--small" disabled={!draft.trim()}>
            {t('chat.pinAnnouncement')}
          </button>
        </form>
      )}
    </div>
  );
}

export function ChatDock() {
  const { t } = useTranslation();
  const { chatStore } = useStudio();
  const showId = useChat((s) => s.chatShowId);
  const status = useChat((s) => s.rtStatus);
  const tab = useChat((s) => s.chatTab);
  const online = useChat((s) => s.online);
  const likes = useChat((s) => s.likes);
  const waiting = useChat(unansweredCount);
  const canModerate = useChat((s) => s.you !== null && s.you.role !== 'viewer');
  const [error, setError] = useActionError();
  const onResult = (r: ChatActionResult) => {
    if (r.ok) setError(null);
    else setError(t(`chat.errors.${r.code}`, { defaultValue: r.message }));
  };

  return (
    <section className="panel chat-dock" data-testid="chat-dock" aria-label={t('chat.title')}>
      <div className="panel-head">
        <h2 className="panel-title">{t('chat.title')}</h2>
        <span className={`chat-status chat-status--${status}`} data-testid="chat-status" data-status={showId ? status : 'none'}>
          {showId ? t(`chat.status.${status}`) : t('chat.status.noShow')}
        </span>
      </div>
      {!showId ? (
        <p className="hint">{t('chat.noShow')}</p>
      ) : (
        <>
          <div className="chat-meta">
            <span>{t('chat.online', { count: online })}</span>
            <span>{t('chat.likes', { count: likes })}</span>
          </div>
          <div className="seg seg--full" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'chat'}
              className={`seg-btn ${tab === 'chat' ? 'seg-btn--active' : ''}`}
              data-testid="chat-tab-chat"
              onClick={() => chatStore.getState().setChatTab('chat')}
            >
              {t('chat.tabChat')}
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'questions'}
              className={`seg-btn ${tab === 'questions' ? 'seg-btn--active' : ''}`}
              data-testid="chat-tab-questions"
              onClick={() => chatStore.getState().setChatTab('questions')}
            >
              {t('chat.tabQuestions')}
              {waiting > 0 && (
                <span className="chat-dock-badge" data-testid="questions-waiting">
                  {waiting}
                </span>
              )}
            </button>
          </div>
          {!canModerate && status === 'open' && <p className="form-error">{t('chat.notStaff')}</p>}
          {tab === 'chat' ? <ChatList onResult={onResult} /> : <QuestionList onResult={onResult} />}
          {error && (
            <p className="form-error" role="alert" data-testid="chat-error">
              {error}
            </p>
          )}
          <Composer onError={setError} />
          <RoomControls onResult={onResult} />
        </>
      )}
    </section>
  );
}
