import { useTranslation } from 'react-i18next';
import type { PinnedTrigger } from '../../../shared/protocol/overlay';
import { useViewer } from '../context';
import { discountPercent, formatMoney } from '../format';
import { BUY_EVENT, type BuyEventDetail } from '../shop/buy-event';
import { LOW_STOCK, productSummary } from '../shop/catalog';
import { formatCountdown } from '../shop/countdown';
import { useServerNow } from '../shop/hooks';
import { RewatchButton } from '../replay/ClipPlayer';
import { BagIcon, BoltIcon } from './icons';

export { BUY_EVENT, type BuyEventDetail } from '../shop/buy-event';

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
  const pin = trigger.product;
  const id = pin.productId;
  const expanded = useViewer((s) => s.expandedProductId === id);
  const toggle = useViewer((s) => s.toggleExpanded);
  const checkout = useViewer((s) => s.checkoutAvailable);
  const showId = useViewer((s) => s.showId);
  const product = useViewer((s) => s.products[id] ?? null);
  const missing = useViewer((s) => s.missingProducts[id] === true);
  const hasSale = product?.skus.some((k) => k.sale !== null) ?? false;
  const now = useServerNow(hasSale);
  const summary = product ? productSummary(product, now) : null;

  const lng = i18n.language;
  const currency = product?.currency ?? pin.currency;
  const priceMinor = summary?.priceMinor ?? pin.priceMinor;
  const listMinor = summary ? summary.listPriceMinor : pin.listPriceMinor;
  const price = formatMoney(priceMinor, currency, lng);
  const off = discountPercent(priceMinor, listMinor);
  const list = listMinor !== undefined && off !== null ? formatMoney(listMinor, currency, lng) : null;
  const saving = off !== null && listMinor !== undefined ? formatMoney(listMinor - priceMinor, currency, lng) : null;
  const image = product?.images[0]?.thumbUrl ?? pin.imageUrl;
  const name = product?.title ?? pin.name;
  const soldOut = summary?.soldOut ?? false;
  const sale = summary?.sale ?? null;
  const low = summary && !soldOut && summary.available <= LOW_STOCK ? summary.available : null;
  const canBuy = checkout && summary !== null && !soldOut;

  const buy = () => {
    const detail: BuyEventDetail = { productId: id, showId };
    window.dispatchEvent(new CustomEvent<BuyEventDetail>(BUY_EVENT, { detail }));
  };

  let label: string;
  if (!checkout) label = t('product.comingSoon');
  else if (missing || (product && !summary)) label = t('product.unavailable');
  else if (soldOut) label = t('product.soldOut');
  else label = t('product.buy');

  return (
    <article
      className={`product-card${expanded ? ' product-card--expanded' : ''}${primary ? '' : ' product-card--secondary'}${soldOut ? ' product-card--sold-out' : ''}${sale ? ' product-card--on-sale' : ''}`}
      data-product-id={id}
      data-testid="product-card"
    >
      {sale && (
        <div className="sale-strip" data-testid={`sale-${id}`}>
          <span className="flash-badge">
            <BoltIcon width={13} height={13} />
            {t('product.flashSale')}
          </span>
          <span className="sale-price">{formatMoney(sale.salePriceMinor, currency, lng)}</span>
          <span className="sale-ends">
            {t('product.endsIn')}
            <time className="countdown" data-testid={`countdown-${id}`}>
              {formatCountdown(sale.endsAt - now)}
            </time>
          </span>
        </div>
      )}
      <div className="product-row">
        <button
          type="button"
          className="product-main"
          aria-expanded={expanded}
          onClick={() => toggle(id)}
          aria-label={t('product.details', { name })}
        >
          <div className="product-image">
            {image ? <img src={image} alt="" loading="eager" /> : <BagIcon width={26} height={26} />}
            {off !== null && !soldOut && <span className="discount">-{off}%</span>}
            {soldOut && <span className="sold-out-mark">{t('product.soldOut')}</span>}
          </div>
          <div className="product-info">
            <div className="product-pinned">{t('product.pinned')}</div>
            <div className="product-name">{name}</div>
            <div className="product-prices">
              <span className="price" data-testid="price">
                {price}
              </span>
              {list && (
                <s className="list-price">
                  <span className="sr-only">{t('product.listPrice')}</span>
                  {list}
                </s>
              )}
            </div>
            {low !== null && (
              <div className="stock-low" data-testid={`stock-${id}`}>
                {t('product.onlyLeft', { count: low })}
              </div>
            )}
            {expanded && saving && !soldOut && <div className="product-saving">{t('product.saving', { amount: saving })}</div>}
          </div>
        </button>
        <div className="product-actions">
          <RewatchButton productId={id} />
          <button type="button" className="buy" disabled={!canBuy} onClick={buy} data-testid={`buy-${id}`}>
            {label}
          </button>
        </div>
      </div>
      {expanded && product?.description && <p className="product-desc">{product.description}</p>}
      {expanded && !checkout && <p className="product-note">{t('product.checkoutSoon')}</p>}
    </article>
  );
}
