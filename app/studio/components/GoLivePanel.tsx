import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStudio, useStudioState } from '../context';
import { selectIsBusy, selectViewerLink } from '../store';

export function GoLivePanel({ onRequestEnd }: { onRequestEnd: () => void }) {
  const { t } = useTranslation();
  const { settings, publisher, host, store } = useStudio();
  const state = useStudioState((s) => s.publish.state);
  const title = useStudioState((s) => s.settings.showTitle);
  const busy = useStudioState(selectIsBusy);
  const link = useStudioState(selectViewerLink);
  const serverUrl = useStudioState((s) => s.serverUrl);
  const [copied, setCopied] = useState(false);
  const onAir = state === 'live' || state === 'reconnecting';

  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch (err) {
      store.getState().pushError('copyFailed', err instanceof Error ? err.message : String(err));
    }
  };
  const open = async () => {
    if (!link) return;
    try {
      const { opened } = await host.call('host.openExternal', { url: link });
      if (!opened) store.getState().pushError('openFailed', link);
    } catch (err) {
      store.getState().pushError('openFailed', err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="panel panel--strong">
      <h2 className="panel-title">{t('golive.title')}</h2>
      <label className="field">
        <span className="field-label">{t('golive.showTitle')}</span>
        <input
          className="input"
          type="text"
          maxLength={120}
          value={title}
          placeholder={t('golive.showTitlePlaceholder')}
          disabled={busy}
          data-testid="show-title"
          onChange={(e) => settings.update({ showTitle: e.target.value }, 400)}
        />
      </label>
      {state === 'reconnecting' && <p className="hint hint--warn">{t('golive.reconnectHint')}</p>}
      {onAir ? (
        <button type="button" className="btn btn--danger btn--block" data-testid="end-live" onClick={onRequestEnd}>
          {t('golive.end')}
        </button>
      ) : (
        <button
          type="button"
          className="btn btn--primary btn--block"
          data-testid="go-live"
          disabled={state === 'connecting'}
          onClick={() => void publisher.goLive()}
        >
          {state === 'connecting' ? t('golive.starting') : state === 'ended' ? t('golive.again') : t('golive.start')}
        </button>
      )}
      {link && (
        <div className="viewer-link">
          <span className="field-label">{t('golive.viewerLink')}</span>
          <div className="link-row">
            <code className="link-text" data-testid="viewer-link">
              {link}
            </code>
            <button type="button" className="btn btn--ghost btn--small" onClick={() => void copy()}>
              {copied ? t('golive.copied') : t('golive.copy')}
            </button>
            <button type="button" className="btn btn--ghost btn--small" onClick={() => void open()}>
              {t('golive.open')}
            </button>
          </div>
        </div>
      )}
      {serverUrl && !link && (
        <p className="hint">
          {t('golive.server')}: <code>{serverUrl}</code>
        </p>
      )}
    </section>
  );
}

export function ConfirmEndDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { publisher } = useStudio();
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-end-title"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h3 id="confirm-end-title">{t('golive.confirmTitle')}</h3>
        <p>{t('golive.confirmBody')}</p>
        <div className="modal-actions">
          <button type="button" className="btn btn--ghost" onClick={onClose}>
            {t('golive.cancel')}
          </button>
          <button
            type="button"
            className="btn btn--danger"
            data-testid="confirm-end"
            onClick={() => {
              onClose();
              void publisher.end();
            }}
          >
            {t('golive.confirmEnd')}
          </button>
        </div>
      </div>
    </div>
  );
}
