import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { CloseIcon } from './icons';

/** Bottom sheet over the stage: backdrop tap / Escape / close button dismiss it; focus moves into it when it opens. */
export function Sheet({
  title,
  onClose,
  children,
  footer,
  testId,
  headerExtra,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId: string;
  headerExtra?: ReactNode;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  // The latest onClose without re-running the effect: callers swap it (e.g. while an order is being placed), and
  // re-running would pull focus back to the sheet on every submit.
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && closeRef.current();
    document.addEventListener('keydown', esc);
    ref.current?.focus({ preventScroll: true });
    return () => document.removeEventListener('keydown', esc);
  }, []);
  return (
    <div className="sheet-layer">
      <button type="button" className="sheet-backdrop" aria-label={t('shop.close')} tabIndex={-1} onClick={onClose} />
      <div className="sheet" role="dialog" aria-modal="true" aria-label={title} data-testid={testId} ref={ref} tabIndex={-1}>
        <header className="sheet-head">
          <h2>{title}</h2>
          {headerExtra}
          <button type="button" className="sheet-close" onClick={onClose} aria-label={t('shop.close')}>
            <CloseIcon width={18} height={18} />
          </button>
        </header>
        <div className="sheet-body">{children}</div>
        {footer && <footer className="sheet-foot">{footer}</footer>}
      </div>
    </div>
  );
}
