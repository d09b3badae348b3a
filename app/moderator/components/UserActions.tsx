import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMod, useModerator } from '../context';

export const MUTE_OPTIONS = [60, 600, 3600, 86_400] as const;

/** Mute (timed) and ban a viewer; the ban asks for confirmation and an optional reason first. */
export function UserActions({ userId, name, compact = false }: { userId: string; name: string; compact?: boolean }) {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const busy = useMod((s) => s.busy[`user:${userId}`] === true);
  const [mode, setMode] = useState<'idle' | 'mute' | 'ban'>('idle');
  const [reason, setReason] = useState('');

  if (mode === 'ban') {
    return (
      <fieldset className="confirm" data-testid="ban-confirm">
        <legend className="sr-only">{t('user.banTitle', { name })}</legend>
        <span className="confirm-text">{t('user.banConfirm', { name })}</span>
        <input
          className="input"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder={t('user.reason')}
          maxLength={200}
          data-testid="ban-reason"
        />
        <button
          type="button"
          className="btn btn--danger btn--small"
          disabled={busy}
          onClick={async () => {
            if (await moderation.ban(userId, name, reason)) setMode('idle');
          }}
          data-testid="ban-confirm-button"
        >
          {t('user.ban')}
        </button>
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setMode('idle')}>
          {t('common.cancel')}
        </button>
      </fieldset>
    );
  }
  if (mode === 'mute') {
    return (
      <fieldset className="confirm" data-testid="mute-options">
        <legend className="sr-only">{t('user.muteTitle', { name })}</legend>
        <span className="confirm-text">{t('user.muteFor', { name })}</span>
        {MUTE_OPTIONS.map((sec) => (
          <button
            key={sec}
            type="button"
            className="btn btn--small"
            disabled={busy}
            onClick={() => {
              void moderation.mute(userId, sec, name);
              setMode('idle');
            }}
            data-testid={`mute-${sec}`}
          >
            {t(`user.duration.${sec}`)}
          </button>
        ))}
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={busy}
          onClick={() => {
            void moderation.mute(userId, 0, name);
            setMode('idle');
          }}
          data-testid="unmute"
        >
          {t('user.unmute')}
        </button>
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setMode('idle')}>
          {t('common.cancel')}
        </button>
      </fieldset>
    );
  }
  return (
    <div className={`user-actions${compact ? ' compact' : ''}`}>
      <button type="button" className="btn btn--ghost btn--small" disabled={busy} onClick={() => setMode('mute')} data-testid="mute">
        {t('user.mute')}
      </button>
      <button type="button" className="btn btn--danger btn--small" disabled={busy} onClick={() => setMode('ban')} data-testid="ban">
        {t('user.ban')}
      </button>
    </div>
  );
}
