/** Flash sales: the "start" dialog (from a SKU row) and the running sales with a live countdown and Stop. */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductView, SkuView } from '../../../../shared/commerce/catalog';
import { FLASH_SALE_MAX_SEC, FLASH_SALE_MIN_SEC } from '../../../../shared/commerce/sales';
import { formatCountdown, formatMoney } from '../../../ui/format';
import { useStudio, useStudioState } from '../../context';
import { runningSales, skuLabel } from '../../controllers/catalog';
import { buildSale, defaultSaleForm, type SaleForm } from '../../controllers/flash-sale-form';
import { errorsByField } from '../../controllers/product-form';
import type { ShopFailure } from '../../store';
import { useNow } from '../hooks';
import { FailureText, Modal } from './common';

export function SaleCountdown({ endsAt, now }: { endsAt: number; now: number }) {
  const left = endsAt - now;
  return <span className={`countdown ${left < 10_000 ? 'countdown--urgent' : ''}`}>{formatCountdown(endsAt, now)}</span>;
}

export function FlashSaleDialog({ product, sku, onClose }: { product: ProductView; sku: SkuView; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { shop, store } = useStudio();
  const [form, setForm] = useState<SaleForm>(() => defaultSaleForm(sku));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ShopFailure | null>(null);
  const regular = sku.livePriceMinor ?? sku.listPriceMinor;
  const money = (m: number) => formatMoney(m, product.currency, i18n.language);
  const set = (patch: Partial<SaleForm>) => setForm((f) => ({ ...f, ...patch }));
  const err = (f: string) =>
    errors[f] ? <span className="field-error">{t(`sales.errors.${errors[f]}`, { stock: sku.stock })}</span> : null;

  const submit = async () => {
    const r = buildSale(form, sku, product.currency);
    if (!r.ok) {
      setErrors(errorsByField(r.errors));
      return;
    }
    setErrors({});
    setBusy(true);
    setFailure(null);
    const res = await shop.startSale(r.body);
    setBusy(false);
    if (!res.ok) {
      setFailure(res.failure);
      return;
    }
    store.getState().notify({ key: 'sales.started', params: { title: product.title }, tone: 'ok' });
    onClose();
  };

  return (
    <Modal
      title={t('sales.dialogTitle')}
      onClose={busy ? () => {} : onClose}
      testId="flash-sale-dialog"
      wide
      actions={
        <>
          <button type="button" className="btn btn--ghost" onClick={onClose} disabled={busy}>
            {t('shop.cancel')}
          </button>
          <button type="button" className="btn btn--primary" disabled={busy} data-testid="sale-submit" onClick={() => void submit()}>
            {busy ? t('shop.working') : t('sales.startNow')}
          </button>
        </>
      }
    >
      <div className="sale-target">
        <strong>{product.title}</strong>
        {skuLabel(sku.options) && <span className="chip">{skuLabel(sku.options)}</span>}
        <span className="hint">
          {t('sales.regular', { price: money(regular) })} · {t('shop.stockShort', { count: sku.stock })}
        </span>
      </div>
      <form
        className="sale-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field-label">{t('sales.duration', { min: FLASH_SALE_MIN_SEC, max: FLASH_SALE_MAX_SEC })}</span>
          <div className="range-row">
            <input
              type="range"
              min={FLASH_SALE_MIN_SEC}
              max={FLASH_SALE_MAX_SEC}
              step={5}
              value={Number(form.duration) || FLASH_SALE_MIN_SEC}
              aria-label={t('sales.durationSlider')}
              onChange={(e) => set({ duration: e.target.value })}
            />
            <input
              type="text"
              inputMode="numeric"
              className={`input input-narrow ${errors.duration ? 'input--invalid' : ''}`}
              value={form.duration}
              data-testid="sale-duration"
              onChange={(e) => set({ duration: e.target.value })}
            />
            <span className="unit">{t('sales.seconds')}</span>
          </div>
          {err('duration')}
        </label>
        <div className="field-row">
          <label className="field">
            <span className="field-label">{t('sales.price', { currency: product.currency })}</span>
            <input
              type="text"
              inputMode="decimal"
              className={errors.price ? 'input input--invalid' : 'input'}
              value={form.price}
              placeholder={t('sales.pricePlaceholder', { price: money(regular) })}
              data-testid="sale-price"
              onChange={(e) => set({ price: e.target.value })}
            />
            {err('price')}
          </label>
          <label className="field">
            <span className="field-label">{t('sales.cap')}</span>
            <input
              type="text"
              inputMode="numeric"
              className={errors.cap ? 'input input--invalid' : 'input'}
              value={form.cap}
              data-testid="sale-cap"
              onChange={(e) => set({ cap: e.target.value })}
            />
            {err('cap')}
          </label>
          <label className="field">
            <span className="field-label">{t('sales.perBuyer')}</span>
            <input
              type="text"
              inputMode="numeric"
              className={errors.perBuyerLimit ? 'input input--invalid' : 'input'}
              value={form.perBuyerLimit}
              placeholder={t('product.noLimit')}
              data-testid="sale-limit"
              onChange={(e) => set({ perBuyerLimit: e.target.value })}
            />
            {err('perBuyerLimit')}
          </label>
        </div>
        <button type="submit" hidden />
      </form>
      <p className="hint">{t('sales.explain')}</p>
      <FailureText failure={failure} testId="sale-error" />
    </Modal>
  );
}

/** Running flash sales with a countdown, remaining units and Stop (`hideWhenEmpty`: nothing while none runs). */
export function FlashSalesPanel({ hideWhenEmpty = false }: { hideWhenEmpty?: boolean }) {
  const { t, i18n } = useTranslation();
  const { shop, store } = useStudio();
  const sales = useStudioState((s) => s.sales);
  const products = useStudioState((s) => s.catalog.products);
  const now = useNow(250);
  const [stopping, setStopping] = useState<string | null>(null);
  const [failure, setFailure] = useState<ShopFailure | null>(null);
  const running = useMemo(() => runningSales(sales, now), [sales, now]);

  const stop = async (saleId: string) => {
    setStopping(saleId);
    setFailure(null);
    const r = await shop.stopSale(saleId);
    setStopping(null);
    if (!r.ok) setFailure(r.failure);
    else store.getState().notify({ key: 'sales.stopped', tone: 'ok' });
  };

  if (hideWhenEmpty && running.length === 0 && !failure) return null;
  return (
    <section className="panel" data-testid="flash-sales">
      <div className="panel-head">
        <h2 className="panel-title">{t('sales.title')}</h2>
        <span className="count">{running.length}</span>
      </div>
      {running.length === 0 ? (
        <p className="hint">{t('sales.none')}</p>
      ) : (
        <ul className="sale-list">
          {running.map((s) => {
            const product = products.find((p) => p.id === s.productId);
            const sku = product?.skus.find((x) => x.id === s.skuId);
            const total = s.endsAt - s.startsAt;
            return (
              <li key={s.id} className="sale-item" data-testid="sale-item">
                <div className="sale-head">
                  <span className="sale-name" title={product?.title}>
                    {product?.title ?? s.productId}
                    {sku && skuLabel(sku.options) && <span className="sale-sku"> · {skuLabel(sku.options)}</span>}
                  </span>
                  <SaleCountdown endsAt={s.endsAt} now={now} />
                </div>
                <progress className="sale-progress" max={total} value={Math.max(0, s.endsAt - now)} />
                <div className="sale-foot">
                  <span className="price">{formatMoney(s.salePriceMinor, s.currency, i18n.language)}</span>
                  <span className="hint">{t('sales.remaining', { remaining: s.remaining, cap: s.cap })}</span>
                  <button
                    type="button"
                    className="btn btn--danger btn--small"
                    disabled={stopping !== null}
                    data-testid={`stop-sale-${s.id}`}
                    onClick={() => void stop(s.id)}
                  >
                    {stopping === s.id ? t('shop.working') : t('sales.stop')}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <FailureText failure={failure} />
      {!hideWhenEmpty && <p className="hint">{t('sales.howTo')}</p>}
    </section>
  );
}
