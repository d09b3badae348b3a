import { type FormEvent, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '../../../shared/protocol/realtime';
import { useMod, useModerator } from '../context';
import { formatClock } from './common';
import { UserActions } from './UserActions';

const SLOW_OPTIONS = [0, 3, 5, 10, 30, 60, 120] as const;

/** Room controls (slow mode, announcement) and the live chat with per-message moderation. */
export function ChatColumn() {
  const { t } = useTranslation();
  return (
    <section className="panel chat-col" aria-label={t('chat.title')}>
      <RoomControls />
      <header className="panel-head">
        <h2>{t('chat.title')}</h2>
        <DroppedNote />
      </header>
      <MessageList />
      <StaffComposer />
    </section>
  );
}

function DroppedNote() {
  const { t } = useTranslation();
  const dropped = useMod((s) => s.droppedChat);
  if (!dropped) return null;
  return <span className="muted small">{t('chat.dropped', { count: dropped })}</span>;
}

function RoomControls() {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const slow = useMod((s) => s.slowModeSeconds);
  const announcement = useMod((s) => s.announcement);
  const slowBusy = useMod((s) => s.busy.slowmode === true);
  const annBusy = useMod((s) => s.busy.announce === true);
  const [text, setText] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    await moderation.announce(text);
    setText('');
  };
  return (
    <div className="room-controls">
      <label className="inline-field">
        <span>{t('room.slowMode')}</span>
        <select
          className="input input--small"
          value={slow}
          disabled={slowBusy}
          onChange={(e) => void moderation.setSlowMode(Number(e.target.value))}
          data-testid="slow-mode"
        >
          {[...new Set([...SLOW_OPTIONS, slow])]
            .sort((a, b) => a - b)
            .map((s) => (
              <option key={s} value={s}>
                {s === 0 ? t('room.off') : t('room.seconds', { count: s })}
              </option>
            ))}
        </select>
      </label>
      <div className="announce">
        <span className="announce-label">{t('room.announcement')}</span>
        {announcement ? (
          <div className="announce-current" data-testid="announcement-current">
            <span>{announcement.text}</span>
            <button
              type="button"
              className="btn btn--ghost btn--small"
              disabled={annBusy}
              onClick={() => void moderation.announce(null)}
              data-testid="announce-clear"
            >
              {t('room.clear')}
            </button>
          </div>
        ) : (
          <span className="muted small">{t('room.noAnnouncement')}</span>
        )}
        <form className="announce-form" onSubmit={submit}>
          <input
            className="input"
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={200}
            placeholder={t('room.announcePlaceholder')}
            data-testid="announce-input"
          />
          <button type="submit" className="btn btn--small" disabled={annBusy || !text.trim()} data-testid="announce-set">
            {announcement ? t('room.replace') : t('room.pin')}
          </button>
        </form>
      </div>
    </div>
  );
}

function MessageList() {
  const { t } = useTranslation();
  const messages = useMod((s) => s.messages);
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current && messages) el.scrollTop = el.scrollHeight;
  }, [messages]);
  return (
    <ol
      className="msg-list"
      ref={list}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
      data-testid="mod-chat"
    >
      {messages.length === 0 && <li className="empty">{t('chat.empty')}</li>}
      {messages.map((m) => (
        <Message key={m.id} m={m} />
      ))}
    </ol>
  );
}

function Message({ m }: { m: ChatMessage }) {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const busy = useMod((s) => s.busy[`msg:${m.id}`] === true);
  return (
    <li className={`msg msg--role-${m.role}`} data-testid="mod-message" data-message-id={m.id} data-user-id={m.userId}>
      <div className="msg-line">
        <span className="msg-time">{formatClock(m.ts, i18n.language)}</span>
        {m.role !== 'viewer' && <span className={`role role-${m.role}`}>{t(`role.${m.role}`)}</span>}
        <span className="msg-name">{m.name}</span>
        <span className="msg-text">{m.text}</span>
      </div>
      <div className="msg-actions">
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={busy}
          onClick={() => void moderation.deleteMessage(m.id)}
          data-testid="delete-message"
        >
          {t('chat.delete')}
        </button>
        {m.role === 'viewer' && <UserActions userId={m.userId} name={m.name} />}
      </div>
    </li>
  );
}

function StaffComposer() {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const busy = useMod((s) => s.busy.say === true);
  const open = useMod((s) => s.rtStatus === 'open');
  const [text, setText] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await moderation.say(text)) setText('');
  };
  return (
    <form className="staff-composer" onSubmit={submit}>
      <input
        className="input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        maxLength={1000}
        placeholder={t('chat.staffPlaceholder')}
        disabled={!open}
        data-testid="staff-chat-input"
      />
      <button type="submit" className="btn btn--primary btn--small" disabled={busy || !open || !text.trim()} data-testid="staff-chat-send">
        {t('chat.send')}
      </button>
    </form>
  );
}
