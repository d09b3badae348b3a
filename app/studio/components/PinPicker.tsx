/** Pin products from the catalog: a picker over the show lineup (or every active product) and the pinned list. */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductView } from '../../../shared/commerce/catalog';
import { MAX_PINNED } from '../../../shared/protocol/overlay';
import { formatMoney } from '../../ui/format';
import { useStudio, useStudioState } from '../context';
import { totalStock } from '../controllers/catalog';
import { type PinError, pinFromProduct } from '../controllers/overlays';
import { ServerImage } from './shop/common';

export function PinPicker() {
  const { t, i18n } = useTranslation();
  const { overlays, shop } = useStudio();
  const pinned = useStudioState((s) => s.pinned);
  const state = useStudioState((s) => s.publish.state);
  const products = useStudioState((s) => s.catalog.products);
  const catalogStatus = useStudioState((s) => s.catalog.status);
  const catalogError = useStudioState((s) => s.catalog.error);
  const lineupIds = useStudioState((s) => s.lineup.productIds);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<PinError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const fromLineup = lineupIds.length > 0;
  const choices = useMemo(() => {
    const byId = new Map(products.map((p) => [p.id, p]));
    const list: ProductView[] = fromLineup
      ? lineupIds.map((id) => byId.get(id)).filter((p): p is ProductView => !!p && p.status === 'active')
      : products.filter((p) => p.status === 'active');
    const q = query.trim().toLowerCase();
    return q ? list.filter((p) => p.title.toLowerCase().includes(q)) : list;
  }, [products, lineupIds, fromLineup, query]);

  const pinnedIds = new Set(pinned.map((p) => p.product.productId));
  const full = pinned.length >= MAX_PINNED;

  const pin = async (p: ProductView) => {
    setBusy(p.id);
    const err = await overlays.pin(p);
    setBusy(null);
    setError(err);
  };

  return (
    <section className="panel">
      <div className="panel-head">
        <h2 className="panel-title">{t('pin.title')}</h2>
        <span className="hint">{fromLineup ? t('pin.fromLineup') : t('pin.fromCatalog')}</span>
      </div>
      <input
        type="search"
        className="input"
        value={query}
        placeholder={t('pin.search')}
        aria-label={t('pin.search')}
        onChange={(e) => setQuery(e.target.value)}
      />
      <ul className="pick-list" data-testid="pin-picker">
        {catalogStatus === 'loading' && products.length === 0 && <li className="hint">{t('shop.loading')}</li>}
        {catalogStatus === 'error' && (
          <li className="form-error">
            {t(`shop.errors.${catalogError?.key ?? 'unknown'}`, { defaultValue: t('shop.errors.unknown') })}{' '}
            <button type="button" className="link-btn" onClick={() => void shop.refreshCatalog()}>
              {t('shop.retry')}
            </button>
          </li>
        )}
        {catalogStatus === 'ready' && choices.length === 0 && <li className="hint">{t('pin.noProducts')}</li>}
        {choices.map((p) => {
          const card = pinFromProduct(p);
          const isPinned = pinnedIds.has(p.id);
          return (
            <li key={p.id} className={`pick-item ${isPinned ? 'pick-item--pinned' : ''}`}>
              <ServerImage className="pick-thumb" path={p.images[0]?.thumbUrl} alt="" />
              <div className="pick-info">
                <span className="pick-name" title={p.title}>
                  {p.title}
                </span>
                <span className="pick-meta">
                  {card ? (
                    <>
                      <span className="price">{formatMoney(card.priceMinor, card.currency, i18n.language)}</span>
                      {card.listPriceMinor !== undefined && (
                        <s className="list-price">{formatMoney(card.listPriceMinor, card.currency, i18n.language)}</s>
                      )}
                    </>
                  ) : (
                    <span className="hint">{t('pin.errors.noActiveSku')}</span>
                  )}
                  <span className="stock">{t('shop.stockShort', { count: totalStock(p) })}</span>
                </span>
              </div>
              <button
                type="button"
                className={`btn btn--small ${isPinned ? 'btn--ghost' : 'btn--primary'}`}
                disabled={!card || busy !== null || (full && !isPinned)}
                title={full && !isPinned ? t('pin.full', { max: MAX_PINNED }) : undefined}
                data-testid={`pin-product-${p.id}`}
                onClick={() => void pin(p)}
              >
                {isPinned ? t('pin.repin') : t('pin.submit')}
              </button>
            </li>
          );
        })}
      </ul>
      {error && (
        <p className="form-error" role="alert" data-testid="pin-error">
          {t(`pin.errors.${error}`, { max: MAX_PINNED })}
        </p>
      )}
      <div className="pinned">
        <span className="field-label">{t('pin.pinned', { count: pinned.length, max: MAX_PINNED })}</span>
        {pinned.length === 0 ? (
          <p className="hint">{t('pin.empty')}</p>
        ) : (
          <ul className="pinned-list" data-testid="pinned-list">
            {pinned.map((p) => (
              <li key={p.product.productId} className="pinned-item">
                <ServerImage className="pinned-thumb" path={p.product.imageUrl} alt="" />
                <div className="pinned-info">
                  <span className="pinned-name">{p.product.name}</span>
                  <span className="pinned-price">
                    {formatMoney(p.product.priceMinor, p.product.currency, i18n.language)}
                    {p.product.listPriceMinor !== undefined && (
                      <s className="pinned-list-price">{formatMoney(p.product.listPriceMinor, p.product.currency, i18n.language)}</s>
                    )}
                  </span>
                </div>
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  data-testid={`unpin-${p.product.productId}`}
                  onClick={() => {
                    setError(null);
                    overlays.unpin(p.product.productId);
                  }}
                >
                  {t('pin.unpin')}
                </button>
              </li>
            ))}
          </ul>
        )}
        {full && <p className="hint">{t('pin.full', { max: MAX_PINNED })}</p>}
        {state !== 'live' && state !== 'reconnecting' && pinned.length > 0 && <p className="hint">{t('pin.notLive')}</p>}
      </div>
    </section>
  );
}
