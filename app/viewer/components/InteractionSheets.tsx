import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_QUESTION_CHARS } from '../../../shared/realtime/filter';
import { useViewer, useViewerContext } from '../context';
import { isSendErrorVisible, questionStatus, selectAskProduct, sendErrorKey } from '../interaction/selectors';
import { useNow } from './Chat';
import { Sheet } from './Sheet';

/** The open interaction sheet (ask a question, nickname), if any. */
export function InteractionSheets() {
  const sheet = useViewer((s) => s.interactionSheet);
  const shopSheet = useViewer((s) => s.sheet);
  if (shopSheet) return null;
  if (sheet === 'ask') return <AskSheet />;
  if (sheet === 'nickname') return <NicknameSheet />;
  return null;
}

function AskSheet() {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  const productId = useViewer((s) => selectAskProduct(s)?.productId ?? null);
  const productTitle = useViewer((s) => selectAskProduct(s)?.title ?? null);
  const product = productId && productTitle ? { productId, title: productTitle } : null;
  const asked = useViewer((s) => s.askedQuestions);
  const statuses = useViewer((s) => asked.map((q) => questionStatus(s, q.id)).join(','));
  const error = useViewer((s) => (s.sendError?.scope === 'ask' ? s.sendError : null));
  const [text, setText] = useState('');
  const [about, setAbout] = useState(true);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const now = useNow(error !== null);
  const close = () => interaction?.closeSheet();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!interaction || busy) return;
    setBusy(true);
    const r = await interaction.ask(text, about && product ? product.productId : null);
    setBusy(false);
    if (r.ok) {
      setText('');
      setSent(true);
    }
  };
  const status = statuses ? statuses.split(',') : [];

  return (
    <Sheet title={t('ask.title')} onClose={close} testId="ask-sheet">
      <form className="ask-form" onSubmit={submit}>
        <p className="sheet-hint">{t('ask.hint')}</p>
        {product && (
          <label className={`ask-about${about ? ' ask-about--on' : ''}`}>
            <input type="checkbox" checked={about} onChange={(e) => setAbout(e.target.checked)} data-testid="ask-about" />
            <span>{t('ask.about', { title: product.title })}</span>
          </label>
        )}
        <textarea
          className="input input--touch"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setSent(false);
          }}
          rows={3}
          maxLength={MAX_QUESTION_CHARS * 2}
          placeholder={t('ask.placeholder')}
          aria-label={t('ask.placeholder')}
          data-testid="ask-input"
        />
        {error && isSendErrorVisible(error, now) && (
          <div className="banner banner--error sheet-alert" role="alert" data-testid="ask-error" data-reason={error.reason}>
            {t(sendErrorKey(error.reason))}
          </div>
        )}
        {sent && (
          <div className="ask-sent" role="status" data-testid="ask-sent">
            {t('ask.sent')}
          </div>
        )}
        <button type="submit" className="btn btn--touch btn--buy wide" disabled={busy || !text.trim()} data-testid="ask-submit">
          {busy ? t('ask.sending') : t('ask.submit')}
        </button>
      </form>
      {asked.length > 0 && (
        <section className="my-questions">
          <h3 className="block-label">{t('ask.mine')}</h3>
          <ul>
            {[...asked].reverse().map((q, i) => {
              const st = status[asked.length - 1 - i] ?? 'waiting';
              return (
                <li key={q.id} className="my-question" data-testid="my-question">
                  <span className="my-question-text">{q.text}</span>
                  {q.productTitle && <span className="my-question-about">{t('ask.aboutShort', { title: q.productTitle })}</span>}
                  <span className={`my-question-status my-question-status--${st}`}>{t(`ask.status.${st}`)}</span>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </Sheet>
  );
}

function NicknameSheet() {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  const current = useViewer((s) => s.nickname ?? '');
  const error = useViewer((s) => (s.sendError?.scope === 'nickname' ? s.sendError : null));
  const [name, setName] = useState(current);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    interaction?.setNickname(name);
  };
  return (
    <Sheet title={t('nickname.title')} onClose={() => interaction?.closeSheet()} testId="nickname-sheet">
      <form className="nickname-form" onSubmit={submit}>
        <p className="sheet-hint">{t('nickname.hint')}</p>
        <input
          className="input input--touch"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={20}
          placeholder={t('nickname.placeholder')}
          aria-label={t('nickname.placeholder')}
          autoComplete="nickname"
          data-testid="nickname-input"
        />
        {error && (
          <div className="banner banner--error sheet-alert" role="alert" data-testid="nickname-error">
            {t(sendErrorKey(error.reason))}
          </div>
        )}
        <button type="submit" className="btn btn--touch btn--buy wide" disabled={!name.trim()} data-testid="nickname-save">
          {t('nickname.save')}
        </button>
      </form>
    </Sheet>
  );
}
