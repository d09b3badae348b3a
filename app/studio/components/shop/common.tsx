/** Small building blocks shared by the shop panels: modal, confirm dialog, server image, failure text, downloads. */
import { type ReactNode, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStudio } from '../../context';
import type { OrderStatus } from '../../../../shared/commerce/orders';
import type { ShopFailure } from '../../store';
import { ORDER_TONE } from './chip-tones';

export function Modal({
  title,
  onClose,
  children,
  actions,
  wide = false,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  actions: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const titleId = useId();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal ${wide ? 'modal--wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid={testId}>
        <h3 id={titleId}>{title}</h3>
        <div className="modal-body">{children}</div>
        <div className="modal-actions">{actions}</div>
      </div>
    </div>
  );
}

/** Confirm a destructive or irreversible action; `busy` disables the buttons while it runs. */
export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  onConfirm,
  onClose,
  busy = false,
  failure = null,
  danger = true,
  children,
  testId,
}: {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  failure?: ShopFailure | null;
  danger?: boolean;
  children?: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      title={title}
      onClose={busy ? () => {} : onClose}
      testId={testId}
      actions={
        <>
          <button type="button" className="btn btn--ghost" onClick={onClose} disabled={busy}>
            {t('shop.cancel')}
          </button>
          <button
            type="button"
            className={`btn ${danger ? 'btn--danger' : 'btn--primary'}`}
            onClick={onConfirm}
            disabled={busy}
            data-testid="confirm-action"
          >
            {busy ? t('shop.working') : confirmLabel}
          </button>
        </>
      }
    >
      <p>{body}</p>
      {children}
      <FailureText failure={failure} />
    </Modal>
  );
}

/** A failed request: translated summary + the server's message. */
export function FailureText({ failure, testId }: { failure: ShopFailure | null; testId?: string }) {
  const { t } = useTranslation();
  if (!failure) return null;
  return (
    <div className="form-error failure" role="alert" data-testid={testId ?? 'shop-error'}>
      <strong>{t(`shop.errors.${failure.key}`, { defaultValue: t('shop.errors.unknown') })}</strong>
      {failure.detail && <span className="failure-detail">{failure.detail}</span>}
      {failure.issues && failure.issues.length > 0 && (
        <ul className="issue-list">
          {failure.issues.slice(0, 30).map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A product image from the server, shown through a same-origin blob: URL. */
export function ServerImage({ path, alt, className }: { path: string | null | undefined; alt: string; className: string }) {
  const { images } = useStudio();
  const [url, setUrl] = useState<string | null>(() => (path ? images.peek(path) : null));
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setFailed(false);
    if (!path) {
      setUrl(null);
      return;
    }
    const ready = images.peek(path);
    setUrl(ready);
    if (ready) return;
    let live = true;
    images.load(path).then(
      (u) => live && setUrl(u),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [path, images]);
  if (!url) return <span className={`${className} img-empty ${failed ? 'img-empty--failed' : ''}`} aria-hidden="true" />;
  return <img className={className} src={url} alt={alt} />;
}

/** Save a Blob as a file (CSV exports). */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** yyyymmdd-hhmm for export file names. */
export function stamp(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`;
}

export function StatusChip({ status, testId }: { status: OrderStatus; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`chip chip--${ORDER_TONE[status]}`} data-testid={testId} data-status={status}>
      {t(`orderStatus.${status}`)}
    </span>
  );
}
