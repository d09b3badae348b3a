import { useTranslation } from 'react-i18next';
import type { PublicAnswer } from '../../../shared/protocol/realtime';
import { useViewer, useViewerContext } from '../context';
import { selectPrivateAnswer } from '../interaction/selectors';
import { CloseIcon, LockIcon, MegaphoneIcon } from './icons';

/** The pinned announcement (moderators set it), under the top controls. */
export function AnnouncementBanner() {
  const { t } = useTranslation();
  const a = useViewer((s) => s.announcement);
  if (!a) return null;
  return (
    <div className="announcement" role="status" data-testid="announcement">
      <MegaphoneIcon width={16} height={16} />
      <span className="sr-only">{t('announcement.label')}</span>
      <span className="announcement-text">{a.text}</span>
    </div>
  );
}

/** Answers pinned above the chat: the public one for everybody, a private one only on the asker's page. */
export function AnswerCards() {
  const pub = useViewer((s) => s.pinnedAnswer);
  const priv = useViewer(selectPrivateAnswer);
  if (!pub && !priv) return null;
  return (
    <div className="answers">
      {priv && <AnswerCard answer={priv} kind="private" />}
      {pub && pub.questionId !== priv?.questionId && <AnswerCard answer={pub} kind="public" />}
    </div>
  );
}

function AnswerCard({ answer, kind }: { answer: PublicAnswer; kind: 'public' | 'private' }) {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  return (
    <article
      className={`answer-card answer-card--${kind}`}
      data-testid={`${kind}-answer`}
      data-question-id={answer.questionId}
      data-auto={answer.auto === true}
    >
      <header className="answer-head">
        <span className="answer-tag">
          {kind === 'private' && <LockIcon width={12} height={12} />}
          {kind === 'private' ? t('answer.private') : t('answer.public')}
        </span>
        {answer.auto ? (
          <span className="answer-by answer-auto" data-testid="answer-auto">
            {t('answer.auto')}
          </span>
        ) : (
          <span className="answer-by">{t('answer.by', { name: answer.answeredBy })}</span>
        )}
        {kind === 'private' && (
          <button
            type="button"
            className="answer-close"
            onClick={() => interaction?.dismissAnswer(answer.questionId)}
            aria-label={t('answer.dismiss')}
          >
            <CloseIcon width={14} height={14} />
          </button>
        )}
      </header>
      <p className="answer-q">
        <span className="answer-mark">{t('answer.q')}</span>
        {answer.question}
      </p>
      <p className="answer-a" data-testid="answer-text">
        <span className="answer-mark answer-mark--a">{t('answer.a')}</span>
        {answer.answer}
      </p>
    </article>
  );
}
