import { useTranslation } from 'react-i18next';
import { useMod, useModerator } from '../context';

/** The answer box: a claimed question's answer, or a correction replacing an automatic answer. */
export function Composer({ questionId, canAnswer }: { questionId: string; canAnswer: boolean }) {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const draft = useMod((s) => s.drafts[questionId] ?? '');
  const visibility = useMod((s) => s.visibility);
  const answerBusy = useMod((s) => s.busy[`answer:${questionId}`] === true);
  return (
    <div className={`composer-box${canAnswer ? '' : ' composer-box--locked'}`}>
      <textarea
        className="input"
        value={draft}
        onChange={(e) => moderation.setDraft(questionId, e.target.value)}
        placeholder={canAnswer ? t('detail.answerPlaceholder') : t('detail.claimFirst')}
        rows={4}
        maxLength={1000}
        disabled={!canAnswer}
        aria-label={t('detail.answerPlaceholder')}
        data-testid="answer-input"
      />
      <div className="composer-foot">
        <fieldset className="seg">
          <legend className="sr-only">{t('detail.visibility')}</legend>
          {(['private', 'public'] as const).map((v) => (
            <button
              key={v}
              type="button"
              aria-pressed={visibility === v}
              className={`seg-btn${visibility === v ? ' seg-btn--active' : ''}`}
              onClick={() => moderation.setVisibility(v)}
              data-testid={`visibility-${v}`}
            >
              {t(`detail.vis.${v}`)}
            </button>
          ))}
        </fieldset>
        <span className="muted small vis-hint">{t(`detail.visHint.${visibility}`)}</span>
        <button
          type="button"
          className="btn btn--primary"
          disabled={!canAnswer || !draft.trim() || answerBusy}
          onClick={() => void moderation.answer(questionId)}
          data-testid="answer-send"
        >
          {answerBusy ? t('detail.sending') : t('detail.send')}
        </button>
      </div>
    </div>
  );
}
