import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { discountPercent, formatMoney } from '../format';
import { cartQtyOfProduct } from '../shop/cart';
import { LOW_STOCK, productSummary, saleRunning, skuAvailable, skuPrice } from '../shop/catalog';
import { formatCountdown } from '../shop/countdown';
import { useServerNow } from '../shop/hooks';
import { attributeStates, initialSelection, maxQty, missingAttributes, type Selection, selectedSku, toggleOption } from '../shop/variants';
import { BagIcon, BoltIcon } from './icons';
import { QtyStepper } from './QtyStepper';
import { Sheet } from './Sheet';

export function BuySheet({ productId }: { productId: string }) {
  const { t, i18n } = useTranslation();
  const { shop } = useViewerContext();
  const product = useViewer((s) => s.products[productId] ?? null);
  const missing = useViewer((s) => s.missingProducts[productId] === true);
  const orders = useViewer((s) => s.myOrders);
  const cart = useViewer((s) => s.cart);
  const now = useServerNow(product?.skus.some((k) => k.sale !== null) ?? false);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [qty, setQty] = useState(1);
  const close = useCallback(() => shop?.close(), [shop]);

  // Choose the obvious values once the product is known.
  useEffect(() => {
    if (product && selection === null) setSelection(initialSelection(product, Date.now()));
  }, [product, selection]);

  const sel = selection ?? {};
  const sku = product ? selectedSku(product, sel) : null;
  const attrs = useMemo(() => (product ? attributeStates(product, sel, now) : []), [product, sel, now]);
  const bound = product && sku ? maxQty(product, sku, orders ?? [], now) : null;
  // Room left in the cart line of this SKU (stock and limits count the rest of the cart too).
  const inCart = sku ? (cart.lines.find((l) => l.skuId === sku.id)?.qty ?? 0) : 0;
  const cartRoom = product && sku ? maxQty(product, sku, orders ?? [], now, cartQtyOfProduct(cart, product.id, sku.id)).max - inCart : 0;
  const max = bound?.max ?? 0;
  // Keep the quantity inside the bounds as the SKU, stock or limits change.
  useEffect(() => {
    if (max > 0 && qty > max) setQty(max);
    if (qty < 1) setQty(1);
  }, [max, qty]);

  const lng = i18n.language;
  if (!product) {
    return (
      <Sheet title={t('shop.buyTitle')} onClose={close} testId="buy-sheet">
        <div className="sheet-empty">{missing ? t('product.unavailable') : <span className="spinner spinner--large" />}</div>
      </Sheet>
    );
  }

  const summary = productSummary(product, now);
  const priceMinor = sku ? skuPrice(sku, now) : (summary?.priceMinor ?? 0);
  const listMinor = sku ? sku.listPriceMinor : summary?.listPriceMinor;
  const off = discountPercent(priceMinor, listMinor);
  const sale = sku && saleRunning(sku.sale, now) ? sku.sale : null;
  const available = sku ? skuAvailable(sku, now) : (summary?.available ?? 0);
  const missingAttrs = missingAttributes(product, sel);
  const canBuy = sku !== null && max > 0;
  const image = product.images[0]?.thumbUrl ?? null;

  let limitNote: string | null = null;
  if (sku && bound) {
    if (bound.reason === 'limit' && product.perBuyerLimit !== null) {
      limitNote = bound.max > 0 ? t('shop.limitPerBuyer', { count: product.perBuyerLimit }) : t('shop.limitReached');
    } else if (bound.reason === 'saleLimit' && sale?.perBuyerLimit) {
      limitNote = bound.max > 0 ? t('shop.saleLimit', { count: sale.perBuyerLimit }) : t('shop.limitReached');
    } else if (product.perBuyerLimit !== null) {
      limitNote = t('shop.limitPerBuyer', { count: product.perBuyerLimit });
    }
  }

  const footer = (
    <div className="buy-actions">
      <button
        type="button"
        className="btn btn--touch"
        disabled={!canBuy || cartRoom < 1}
        onClick={() => sku && shop?.addToCart(product, sku, qty)}
        data-testid="add-to-cart"
      >
        {t('shop.addToCart')}
      </button>
      <button
        type="button"
        className="btn btn--touch btn--buy"
        disabled={!canBuy}
        onClick={() => sku && shop?.buyNow(sku, Math.min(qty, max))}
        data-testid="buy-now"
      >
        {sku && available === 0 ? t('product.soldOut') : t('shop.buyNow')}
      </button>
    </div>
  );

  return (
    <Sheet title={t('shop.buyTitle')} onClose={close} testId="buy-sheet" footer={footer}>
      <div className="buy-head">
        <div className="buy-image">{image ? <img src={image} alt="" /> : <BagIcon width={28} height={28} />}</div>
        <div className="buy-head-info">
          <div className="buy-title">{product.title}</div>
          <div className="product-prices">
            <span className="price price--big" data-testid="sheet-price">
              {formatMoney(priceMinor, product.currency, lng)}
            </span>
            {listMinor !== undefined && off !== null && <s className="list-price">{formatMoney(listMinor, product.currency, lng)}</s>}
            {!sku && product.skus.length > 1 && <span className="price-from">{t('shop.priceFrom')}</span>}
          </div>
          {sale && (
            <div className="sale-line">
              <span className="flash-badge">
                <BoltIcon width={12} height={12} />
                {t('product.flashSale')}
              </span>
              <span className="sale-ends">
                {t('product.endsIn')}
                <time className="countdown">{formatCountdown(sale.endsAt - now)}</time>
              </span>
            </div>
          )}
          <div className={`stock-line${available > 0 && available <= LOW_STOCK ? ' stock-line--low' : ''}`} data-testid="sheet-stock">
            {available === 0
              ? t('product.soldOut')
              : available <= LOW_STOCK
                ? t('product.onlyLeft', { count: available })
                : t('shop.inStock', { count: available })}
          </div>
        </div>
      </div>

      {attrs.map((a) => (
        <fieldset className="variant-group" key={a.name}>
          <legend>{a.name}</legend>
          <div className="variant-options">
            {a.options.map((o) => (
              <button
                type="button"
                key={o.value}
                className={`variant${o.selected ? ' variant--selected' : ''}`}
                aria-pressed={o.selected}
                disabled={o.disabled && !o.selected}
                onClick={() => setSelection(toggleOption(sel, a.name, o.value))}
                data-testid={`variant-${a.name}-${o.value}`}
              >
                {o.value}
              </button>
            ))}
          </div>
        </fieldset>
      ))}

      <div className="qty-row">
        <div>
          <div className="qty-label">{t('shop.qty')}</div>
          {limitNote && <div className="qty-note">{limitNote}</div>}
        </div>
        <QtyStepper
          value={Math.max(1, Math.min(qty, Math.max(1, max)))}
          max={Math.max(1, max)}
          onChange={setQty}
          disabled={!canBuy}
          testId="qty"
        />
      </div>
      {missingAttrs.length > 0 && <p className="sheet-hint">{t('shop.choose', { attrs: missingAttrs.join(t('shop.listSep')) })}</p>}
    </Sheet>
  );
}
