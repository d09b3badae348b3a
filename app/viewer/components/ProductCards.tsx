import { useTranslation } from 'react-i18next';
import type { PinnedTrigger } from '../../../shared/protocol/overlay';
import { useViewer } from '../context';
import { discountPercent, formatMoney } from '../format';
import { BagIcon } from './icons';

/** Event the Buy button dispatches on window; the commerce module listens for it. */
export const BUY_EVENT = 'storecast:buy';
export interface BuyEventDetail {
  productId: string;
  showId: string | null;
}

export function ProductCards() {
  const pinned = useViewer((s) => s.pinned);
  if (pinned.length === 0) return null;
  return (
    <section className="products" aria-live="polite">
      {pinned.map((p, i) => (
        <ProductCard key={p.product.productId} trigger={p} primary={i === 0} />
      ))}
    </section>
  );
}

function ProductCard({ trigger, primary }: { trigger: PinnedTrigger; primary: boolean }) {
  const { t, i18n } = useTranslation();
  const { product } = trigger;
  const expanded = useViewer((s) => s.expandedProductId === product.productId);
  const toggle = useViewer((s) => s.toggleExpanded);
  const checkout = useViewer((s) => s.checkoutAvailable);
  const showId = useViewer((s) => s.showId);
  const lng = i18n.language;
  const price = formatMoney(product.priceMinor, product.currency, lng);
  const list = product.listPriceMinor !== undefined ? formatMoney(product.listPriceMinor, product.currency, lng) : null;
  const off = discountPercent(product.priceMinor, product.listPriceMinor);
  const saving =
    off !== null && product.listPriceMinor !== undefined
      ? formatMoney(product.listPriceMinor - product.priceMinor, product.currency, lng)
      : null;

  const buy = () => {
    const detail: BuyEventDetail = { productId: product.productId, showId };
    window.dispatchEvent(new CustomEvent<BuyEventDetail>(BUY_EVENT, { detail }));
  };

  return (
    <article
      className={`product-card${expanded ? ' expanded' : ''}${primary ? '' : ' secondary'}`}
      data-product-id={product.productId}
      data-testid="product-card"
    >
      <button
        type="button"
        className="product-main"
        aria-expanded={expanded}
        onClick={() => toggle(product.productId)}
        aria-label={t('product.details', { name: product.name })}
      >
        <div className="product-image">
          {product.imageUrl ? <img src={product.imageUrl} alt="" loading="eager" /> : <BagIcon width={26} height={26} />}
          {off !== null && <span className="discount">-{off}%</span>}
        </div>
        <div className="product-info">
          <div className="product-pinned">{t('product.pinned')}</div>
          <div className="product-name">{product.name}</div>
          <div className="product-prices">
            <span className="price" data-testid="price">
              {price}
            </span>
            {list && off !== null && (
              <s className="list-price">
                <span className="sr-only">{t('product.listPrice')}</span>
                {list}
              </s>
            )}
          </div>
          {expanded && saving && <div className="product-saving">{t('product.saving', { amount: saving })}</div>}
        </div>
      </button>
      <div className="product-actions">
        <button type="button" className="buy" disabled={!checkout} onClick={buy} data-testid="buy">
          {checkout ? t('product.buy') : t('product.comingSoon')}
        </button>
        {expanded && !checkout && <p className="product-note">{t('product.checkoutSoon')}</p>}
      </div>
    </article>
  );
}
