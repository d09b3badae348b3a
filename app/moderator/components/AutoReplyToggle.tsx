import { useTranslation } from 'react-i18next';
import { AutoReplyMode } from '../../../shared/protocol/realtime';
import { useMod, useModerator } from '../context';

/** The show's automatic replies: a switch for the owner; other staff only see that they are on. */
export function AutoReplyToggle() {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const mode = useMod((s) => s.autoReply);
  const owner = useMod((s) => s.you?.role === 'owner');
  const busy = useMod((s) => s.busy.autoReply === true);
  if (mode === null) return null;
  if (!owner) {
    return mode === 'off' ? null : (
      <p className="auto-reply-state small" data-testid="auto-reply-state">
        <span className="chip chip--indigo">{t('autoReply.state')}</span> {t(`autoReply.${mode}`)}
      </p>
    );
  }
  return (
    <div className="auto-reply" data-testid="auto-reply" title={t('autoReply.hint')}>
      <span className="section-label">{t('autoReply.label')}</span>
      <fieldset className="seg">
        <legend className="sr-only">{t('autoReply.label')}</legend>
        {AutoReplyMode.options.map((m) => (
          <button
            key={m}
            type="button"
            aria-pressed={mode === m}
            className={`seg-btn${mode === m ? ' seg-btn--active' : ''}`}
            disabled={busy}
            onClick={() => void moderation.setAutoReply(m)}
            data-testid={`auto-reply-${m}`}
          >
            {t(`autoReply.${m}`)}
          </button>
        ))}
      </fieldset>
    </div>
  );
}
