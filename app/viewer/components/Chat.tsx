/**
 * The chat over the stage: the message list with system notices (bottom-left, newest at the bottom) and the bottom
 * bar (composer, ask, shop buttons, like). Every user-supplied string is rendered as a React text child — never as
 * HTML — so markup in a message stays inert text.
 */
import { type CSSProperties, type FormEvent, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Notice } from '../../../shared/protocol/realtime';
import { MAX_CHAT_CHARS } from '../../../shared/realtime/filter';
import { useViewer, useViewerContext } from '../context';
import { formatCount } from '../format';
import {
  type ChatEntry,
  isSendErrorVisible,
  retrySeconds,
  selectChatEntries,
  selectComposerState,
  sendErrorKey,
} from '../interaction/selectors';
import { HeartIcon, QuestionIcon, SendIcon } from './icons';
import { ShopButtons } from './ShopDock';

/** Re-render every `everyMs` while `active` (countdowns, fading errors). */
export function useNow(active: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [active, everyMs]);
  return now;
}

export function ChatPanel() {
  const { t } = useTranslation();
  const entries = useViewer(selectChatEntries);
  const reconnecting = useViewer((s) => s.rtStatus === 'reconnecting');
  const slow = useViewer((s) => s.slowModeSeconds);
  const me = useViewer((s) => s.you?.userId ?? null);
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);

  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current && entries.length >= 0) el.scrollTop = el.scrollHeight;
  }, [entries]);

  return (
    <section className="chat" aria-label={t('chat.title')} data-testid="chat-panel">
      {(reconnecting || slow > 0) && (
        <div className="chat-flags">
          {reconnecting && (
            <span className="chat-flag chat-flag--warn" data-testid="chat-reconnecting">
              <span className="mini-spinner" aria-hidden />
              {t('chat.reconnecting')}
            </span>
          )}
          {slow > 0 && <span className="chat-flag">{t('chat.slowMode', { seconds: slow })}</span>}
        </div>
      )}
      <ol
        className="chat-list"
        ref={list}
        aria-live="polite"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {entries.map((e) => (
          <ChatLine key={e.key} entry={e} me={me} />
        ))}
      </ol>
    </section>
  );
}

function ChatLine({ entry, me }: { entry: ChatEntry; me: string | null }) {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  if (entry.kind === 'notice') {
    return (
      <li
        className={`chat-line chat-line--notice chat-line--notice-${entry.notice.notice.type.replace('.', '-')}`}
        data-testid="chat-notice"
      >
        <span className="chat-bubble">{noticeText(t, entry.notice.notice)}</span>
      </li>
    );
  }
  const m = entry.message;
  return (
    <li className={`chat-line chat-line--role-${m.role}`} data-testid="chat-line" data-message-id={m.id}>
      <span className="chat-bubble">
        {m.role !== 'viewer' && <span className="role-tag">{t(`chat.role.${m.role}`)}</span>}
        {me !== null && m.userId === me ? (
          <button type="button" className="chat-name own" onClick={() => interaction?.openNickname()} title={t('nickname.change')}>
            {m.name}
          </button>
        ) : (
          <span className="chat-name">{m.name}</span>
        )}
        <span className="chat-text" data-testid="chat-text">
          {m.text}
        </span>
      </span>
    </li>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

export function noticeText(t: T, n: Notice): string {
  switch (n.type) {
    case 'product.pinned':
      return t('notice.pinned', { title: n.title });
    case 'product.unpinned':
      return t('notice.unpinned');
    case 'sale.started':
      return t('notice.saleStarted', { title: n.title });
    case 'sale.ended':
      return t('notice.saleEnded', { title: n.title });
    case 'purchase':
      return t('notice.purchase', { buyer: n.buyer, title: n.title, count: n.qty });
    case 'text':
      return n.text;
  }
}

/** Bottom bar: composer, "ask a question", my orders / cart, like. */
export function ChatBar() {
  return (
    <div className="chat-bar">
      <Composer />
      <AskButton />
      <ShopButtons />
      <LikeButton />
    </div>
  );
}

function Composer() {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const error = useViewer((s) => s.sendError);
  const mutedUntil = useViewer((s) => s.you?.mutedUntil ?? null);
  const nickname = useViewer((s) => s.nickname);
  const ticking = mutedUntil !== null || error !== null;
  const now = useNow(ticking);
  const state = useViewer((s) => selectComposerState(s, now));
  const showError = error && error.scope !== 'ask' && isSendErrorVisible(error, now) ? error : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!interaction || busy) return;
    setBusy(true);
    const r = await interaction.sendChat(text);
    setBusy(false);
    if (r.ok) setText('');
  };

  const placeholder =
    state === 'banned'
      ? t('chat.banned')
      : state === 'muted'
        ? t('chat.mutedFor', { time: muteLeft(mutedUntil, now) })
        : state === 'offline'
          ? t('chat.offline')
          : state === 'connecting'
            ? t('chat.connecting')
            : nickname
              ? t('chat.placeholderAs', { name: nickname })
              : t('chat.placeholder');
  const wait = showError ? retrySeconds(showError, now) : null;

  return (
    <form className={`composer composer--${state}`} onSubmit={submit} data-testid="chat-composer">
      {showError && (
        <div className="composer-error" role="alert" data-testid="chat-error" data-reason={showError.reason}>
          {t(sendErrorKey(showError.reason))}
          {wait !== null && ` ${t('chat.retryIn', { seconds: wait })}`}
        </div>
      )}
      <input
        className="composer-input"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (showError) interaction?.clearError();
        }}
        placeholder={placeholder}
        aria-label={t('chat.placeholder')}
        maxLength={MAX_CHAT_CHARS * 2}
        enterKeyHint="send"
        disabled={state === 'banned' || state === 'muted'}
        data-testid="chat-input"
      />
      <button
        type="submit"
        className="composer-send"
        aria-label={t('chat.send')}
        disabled={busy || !text.trim() || state !== 'ready'}
        data-testid="chat-send"
      >
        <SendIcon width={16} height={16} />
      </button>
    </form>
  );
}

function muteLeft(until: number | null, now: number): string {
  const s = Math.max(0, Math.ceil(((until ?? now) - now) / 1000));
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

function AskButton() {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  return (
    <button
      type="button"
      className="dock-button"
      onClick={() => interaction?.openAsk()}
      aria-label={t('ask.open')}
      data-testid="ask-button"
    >
      <QuestionIcon width={20} height={20} />
    </button>
  );
}

interface Heart {
  id: number;
  x: number;
  hue: number;
  own: boolean;
}

const HEART_HUES = [350, 330, 15, 290, 200, 45];
/** Hearts on screen at most (a fast tapper gets a steady stream, not thousands of nodes). */
const MAX_HEARTS = 24;

/** Like button: each tap counts now (sent coalesced by the controller) and floats a heart; others' likes float too. */
function LikeButton() {
  const { t, i18n } = useTranslation();
  const { interaction, store } = useViewerContext();
  const likes = useViewer((s) => s.likes);
  const [hearts, setHearts] = useState<Heart[]>([]);
  const seq = useRef(0);
  const [pop, setPop] = useState(0);

  const spawn = useCallback((n: number, own: boolean) => {
    if (n <= 0) return;
    setHearts((h) => {
      const add: Heart[] = [];
      for (let i = 0; i < n; i++) {
        add.push({ id: ++seq.current, x: Math.round(Math.random() * 36 - 18), hue: HEART_HUES[seq.current % HEART_HUES.length]!, own });
      }
      return [...h, ...add].slice(-MAX_HEARTS);
    });
  }, []);

  // Likes from other viewers: a few hearts per batch, however many arrived.
  useEffect(() => {
    const id = setInterval(() => spawn(Math.min(3, store.getState().rtTakeLikeBurst()), false), 400);
    return () => clearInterval(id);
  }, [store, spawn]);

  return (
    <div className="like">
      <div className="hearts" aria-hidden>
        {hearts.map((h) => (
          <span
            key={h.id}
            className={`heart${h.own ? ' heart--own' : ''}`}
            style={{ '--x': `${h.x}px`, '--hue': h.hue } as CSSProperties}
            onAnimationEnd={() => setHearts((list) => list.filter((x) => x.id !== h.id))}
          >
            <HeartIcon width={22} height={22} />
          </span>
        ))}
      </div>
      <button
        type="button"
        className={`like-button${pop % 2 ? ' like-button--pop-a' : pop ? ' like-button--pop-b' : ''}`}
        onClick={() => {
          interaction?.like();
          spawn(1, true);
          setPop((p) => p + 1);
        }}
        aria-label={t('like.button')}
        data-testid="like-button"
      >
        <HeartIcon width={22} height={22} />
      </button>
      {likes > 0 && (
        <span className="like-count" data-testid="like-count">
          {formatCount(likes, i18n.language)}
        </span>
      )}
    </div>
  );
}
