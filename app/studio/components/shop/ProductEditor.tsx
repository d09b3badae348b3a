/**
 * Product editor (drawer): basics, images (upload with progress, delete), spec attributes → SKU grid, per-SKU
 * prices/stock/active, FAQ. Create = one POST; save = product PATCH + SKU PATCHes for the rows actually edited.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductView, SkuView } from '../../../../shared/commerce/catalog';
import { formatMoney } from '../../../ui/format';
import { useStudio, useStudioState } from '../../context';
import {
  applyDefaults,
  buildCreate,
  buildUpdate,
  emptyForm,
  errorsByField,
  type FormError,
  formFromProduct,
  MAX_ATTRIBUTES,
  type ProductForm,
  type RowDefaults,
  type SkuRow,
  syncRows,
} from '../../controllers/product-form';
import { selectProduct, type ShopFailure } from '../../store';
import { useNow } from '../hooks';
import { ConfirmDialog, FailureText, ServerImage } from './common';
import { FlashSaleDialog, SaleCountdown } from './FlashSales';

const CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'] as const;
const MAX_FAQ = 30;

interface Upload {
  id: number;
  name: string;
  progress: number;
  failure: ShopFailure | null;
}
let nextUploadId = 1;

function FieldError({ errors, field }: { errors: Record<string, string>; field: string }) {
  const { t } = useTranslation();
  const key = errors[field];
  if (!key) return null;
  return <span className="field-error">{t(`product.errors.${key}`)}</span>;
}

export function ProductEditor({
  productId,
  onClose,
  onCreated,
}: {
  productId: string | null;
  onClose: () => void;
  onCreated: (productId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const { shop, store } = useStudio();
  const live = useStudioState(useMemo(() => selectProduct(productId), [productId]));
  const isNew = productId === null;
  const defaultCurrency = i18n.language === 'zh-CN' ? 'CNY' : 'USD';
  // The product as it was when the form was filled: edits are diffed against it, live stock changes are not overwritten.
  const [original, setOriginal] = useState<ProductView | null>(live);
  const [form, setForm] = useState<ProductForm>(() => (live ? formFromProduct(live) : emptyForm(defaultCurrency)));
  const [baseline, setBaseline] = useState(() => JSON.stringify(form));
  const [defaults, setDefaults] = useState<RowDefaults>({ listPrice: '', livePrice: '', stock: '' });
  const [formErrors, setFormErrors] = useState<FormError[]>([]);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<ShopFailure | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [imageFailure, setImageFailure] = useState<ShopFailure | null>(null);
  const [removingImage, setRemovingImage] = useState<string | null>(null);
  const [saleSku, setSaleSku] = useState<SkuView | null>(null);
  const [confirmClose, setConfirmClose] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const now = useNow(500);

  const errors = useMemo(() => errorsByField(formErrors), [formErrors]);
  const dirty = JSON.stringify(form) !== baseline;
  const product = live ?? original;

  // A product opened before the catalog arrived: fill the form once it is there.
  useEffect(() => {
    if (!original && live) {
      setOriginal(live);
      const f = formFromProduct(live);
      setForm(f);
      setBaseline(JSON.stringify(f));
    }
  }, [live, original]);

  const update = (patch: Partial<ProductForm>) => setForm((f) => ({ ...f, ...patch }));
  const setAttributes = (attributes: ProductForm['attributes']) =>
    setForm((f) => {
      const next = { ...f, attributes };
      return { ...next, rows: syncRows(next, defaults) };
    });
  const setRow = (i: number, patch: Partial<SkuRow>) =>
    setForm((f) => ({ ...f, rows: f.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));

  const requestClose = () => {
    if (dirty && !saving) setConfirmClose(true);
    else onClose();
  };

  const save = async () => {
    setFailure(null);
    if (isNew) {
      const r = buildCreate(form);
      if (!r.ok) {
        setFormErrors(r.errors);
        return;
      }
      setFormErrors([]);
      setSaving(true);
      const res = await shop.createProduct(r.body);
      setSaving(false);
      if (!res.ok) {
        setFailure(res.failure);
        return;
      }
      store.getState().notify({ key: 'product.created', params: { title: res.value.title }, tone: 'ok' });
      onCreated(res.value.id);
      return;
    }
    if (!original || !productId) return;
    const r = buildUpdate(form, original);
    if (!r.ok) {
      setFormErrors(r.errors);
      return;
    }
    setFormErrors([]);
    setSaving(true);
    const res = await shop.saveProduct(productId, r);
    setSaving(false);
    if (!res.ok) {
      setFailure(res.failure);
      return;
    }
    setOriginal(res.value);
    const f = formFromProduct(res.value);
    setForm(f);
    setBaseline(JSON.stringify(f));
    store.getState().notify({ key: 'product.saved', params: { title: res.value.title }, tone: 'ok' });
  };

  const upload = async (files: FileList) => {
    if (!productId) return;
    setImageFailure(null);
    for (const file of Array.from(files)) {
      const id = nextUploadId++;
      setUploads((u) => [...u, { id, name: file.name, progress: 0, failure: null }]);
      const r = await shop.uploadImage(productId, file, (progress) =>
        setUploads((u) => u.map((x) => (x.id === id ? { ...x, progress } : x))),
      );
      if (r.ok) setUploads((u) => u.filter((x) => x.id !== id));
      else setUploads((u) => u.map((x) => (x.id === id ? { ...x, failure: r.failure } : x)));
    }
  };

  const removeImage = async (imageId: string) => {
    if (!productId) return;
    setRemovingImage(imageId);
    setImageFailure(null);
    const r = await shop.deleteImage(productId, imageId);
    setRemovingImage(null);
    if (!r.ok) setImageFailure(r.failure);
  };

  const attrCount = form.attributes.length;
  const attrNames = form.rows[0] ? Object.keys(form.rows[0].options) : [];
  const liveSkus = new Map((live?.skus ?? []).map((s) => [s.id, s]));
  const originalSkus = new Map((original?.skus ?? []).map((s) => [s.id, s]));

  return (
    <div className="drawer-backdrop" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && requestClose()}>
      <div className="drawer" role="dialog" aria-modal="true" aria-labelledby="product-editor-title" data-testid="product-editor">
        <header className="drawer-head">
          <div>
            <h2 id="product-editor-title">{isNew ? t('product.newTitle') : t('product.editTitle')}</h2>
            {product && <span className="hint mono">{product.id}</span>}
          </div>
          <button type="button" className="icon-btn" aria-label={t('shop.close')} onClick={requestClose}>
            ×
          </button>
        </header>

        <div className="drawer-body">
          {/* ---- basics ---- */}
          <section className="form-section">
            <h3>{t('product.basics')}</h3>
            <label className="field">
              <span className="field-label">{t('product.title')}</span>
              <input
                type="text"
                className={errors.title ? 'input input--invalid' : 'input'}
                maxLength={120}
                value={form.title}
                placeholder={t('product.titlePlaceholder')}
                data-testid="product-title"
                onChange={(e) => update({ title: e.target.value })}
              />
              <FieldError errors={errors} field="title" />
            </label>
            <label className="field">
              <span className="field-label">{t('product.description')}</span>
              <textarea
                className="input"
                rows={3}
                maxLength={5000}
                value={form.description}
                placeholder={t('product.descriptionPlaceholder')}
                data-testid="product-description"
                onChange={(e) => update({ description: e.target.value })}
              />
              <FieldError errors={errors} field="description" />
            </label>
            <div className="field-row">
              <label className="field">
                <span className="field-label">{t('product.currency')}</span>
                <select
                  className="input"
                  value={form.currency}
                  disabled={!isNew}
                  title={!isNew ? t('product.currencyLocked') : undefined}
                  data-testid="product-currency"
                  onChange={(e) => update({ currency: e.target.value })}
                >
                  {[...new Set([form.currency, ...CURRENCIES])].map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span className="field-label">{t('product.perBuyerLimit')}</span>
                <input
                  type="text"
                  inputMode="numeric"
                  className={errors.perBuyerLimit ? 'input input--invalid' : 'input'}
                  value={form.perBuyerLimit}
                  placeholder={t('product.noLimit')}
                  data-testid="product-limit"
                  onChange={(e) => update({ perBuyerLimit: e.target.value })}
                />
                <FieldError errors={errors} field="perBuyerLimit" />
              </label>
              {!isNew && (
                <label className="field">
                  <span className="field-label">{t('product.statusLabel')}</span>
                  <select
                    className="input"
                    value={form.status}
                    data-testid="product-status"
                    onChange={(e) => update({ status: e.target.value === 'archived' ? 'archived' : 'active' })}
                  >
                    <option value="active">{t('products.status.active')}</option>
                    <option value="archived">{t('products.status.archived')}</option>
                  </select>
                </label>
              )}
            </div>
          </section>

          {/* ---- images ---- */}
          <section className="form-section">
            <h3>
              {t('product.images')} {product && <span className="count">{product.images.length}</span>}
            </h3>
            {isNew || !product ? (
              <p className="hint">{t('product.imagesAfterCreate')}</p>
            ) : (
              <>
                <div className="image-grid" data-testid="product-images">
                  {product.images.map((img, i) => (
                    <figure key={img.id} className="image-tile">
                      <ServerImage className="image-tile-img" path={img.thumbUrl} alt={`${product.title} ${i + 1}`} />
                      {i === 0 && <span className="image-badge">{t('product.cover')}</span>}
                      <button
                        type="button"
                        className="image-remove"
                        aria-label={t('product.removeImage')}
                        title={t('product.removeImage')}
                        disabled={removingImage !== null}
                        onClick={() => void removeImage(img.id)}
                      >
                        {removingImage === img.id ? '…' : '×'}
                      </button>
                    </figure>
                  ))}
                  <button type="button" className="image-add" data-testid="image-add" onClick={() => fileInput.current?.click()}>
                    <span aria-hidden="true">+</span>
                    {t('product.addImage')}
                  </button>
                  <input
                    ref={fileInput}
                    type="file"
                    accept="image/png,image/jpeg,image/webp,image/gif,image/avif"
                    multiple
                    hidden
                    data-testid="image-file"
                    onChange={(e) => {
                      const files = e.target.files;
                      if (files?.length) void upload(files);
                      e.target.value = '';
                    }}
                  />
                </div>
                {uploads.map((u) => (
                  <div key={u.id} className="upload-row" data-testid="upload-row">
                    <span className="upload-name">{u.name}</span>
                    {u.failure ? (
                      <>
                        <FailureText failure={u.failure} testId="upload-error" />
                        <button type="button" className="link-btn" onClick={() => setUploads((x) => x.filter((y) => y.id !== u.id))}>
                          {t('errors.dismiss')}
                        </button>
                      </>
                    ) : (
                      <>
                        <progress max={1} value={u.progress} />
                        <span className="upload-pct">{Math.round(u.progress * 100)}%</span>
                      </>
                    )}
                  </div>
                ))}
                <FailureText failure={imageFailure} />
                <p className="hint">{t('product.imageHint')}</p>
              </>
            )}
          </section>

          {/* ---- spec attributes → SKU grid ---- */}
          <section className="form-section">
            <h3>{t('product.specs')}</h3>
            <p className="hint">{t('product.specsHint')}</p>
            {form.attributes.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own; every input is controlled
              <div className="attr-row" key={i} data-testid="attr-row">
                <label className="field attr-name">
                  <span className="field-label">{t('product.attrName')}</span>
                  <input
                    type="text"
                    className={errors[`attributes.${i}.name`] ? 'input input--invalid' : 'input'}
                    value={a.name}
                    placeholder={t('product.attrNamePlaceholder')}
                    data-testid={`attr-name-${i}`}
                    onChange={(e) => setAttributes(form.attributes.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
                  />
                  <FieldError errors={errors} field={`attributes.${i}.name`} />
                </label>
                <label className="field">
                  <span className="field-label">{t('product.attrValues')}</span>
                  <input
                    type="text"
                    className={errors[`attributes.${i}.values`] ? 'input input--invalid' : 'input'}
                    value={a.values}
                    placeholder={t('product.attrValuesPlaceholder')}
                    data-testid={`attr-values-${i}`}
                    onChange={(e) => setAttributes(form.attributes.map((x, j) => (j === i ? { ...x, values: e.target.value } : x)))}
                  />
                  <FieldError errors={errors} field={`attributes.${i}.values`} />
                </label>
                <button
                  type="button"
                  className="btn btn--ghost btn--small attr-remove"
                  onClick={() => setAttributes(form.attributes.filter((_, j) => j !== i))}
                >
                  {t('product.remove')}
                </button>
              </div>
            ))}
            <FieldError errors={errors} field="attributes" />
            <button
              type="button"
              className="btn btn--ghost btn--small"
              disabled={attrCount >= MAX_ATTRIBUTES}
              data-testid="attr-add"
              onClick={() => setAttributes([...form.attributes, { name: '', values: '' }])}
            >
              {t('product.addAttribute')}
            </button>

            <div className="bulk-row">
              <span className="field-label">{t('product.bulk')}</span>
              <input
                className="input"
                type="text"
                inputMode="decimal"
                value={defaults.listPrice}
                placeholder={t('product.listPrice')}
                aria-label={t('product.listPrice')}
                data-testid="bulk-list-price"
                onChange={(e) => setDefaults((d) => ({ ...d, listPrice: e.target.value }))}
              />
              <input
                className="input"
                type="text"
                inputMode="decimal"
                value={defaults.livePrice}
                placeholder={t('product.livePrice')}
                aria-label={t('product.livePrice')}
                data-testid="bulk-live-price"
                onChange={(e) => setDefaults((d) => ({ ...d, livePrice: e.target.value }))}
              />
              <input
                className="input"
                type="text"
                inputMode="numeric"
                value={defaults.stock}
                placeholder={t('product.stock')}
                aria-label={t('product.stock')}
                data-testid="bulk-stock"
                onChange={(e) => setDefaults((d) => ({ ...d, stock: e.target.value }))}
              />
              <button
                type="button"
                className="btn btn--ghost btn--small"
                data-testid="bulk-apply"
                onClick={() => setForm((f) => ({ ...f, rows: applyDefaults(f.rows, defaults) }))}
              >
                {t('product.applyAll')}
              </button>
            </div>

            <div className="table-wrap table-wrap--grid">
              <table className="table sku-grid" data-testid="sku-grid">
                <thead>
                  <tr>
                    {attrNames.length ? attrNames.map((n) => <th key={n}>{n}</th>) : <th>{t('product.sku')}</th>}
                    <th>{t('product.code')}</th>
                    <th>{t('product.listPrice')}</th>
                    <th>{t('product.livePrice')}</th>
                    <th>{t('product.stock')}</th>
                    <th>{t('product.active')}</th>
                    <th aria-label={t('sales.title')} />
                  </tr>
                </thead>
                <tbody>
                  {form.rows.map((r, i) => {
                    const liveSku = r.skuId ? liveSkus.get(r.skuId) : undefined;
                    const was = r.skuId ? originalSkus.get(r.skuId) : undefined;
                    const stockMoved = liveSku && was && liveSku.stock !== was.stock;
                    const sale = liveSku?.sale && liveSku.sale.endsAt > now ? liveSku.sale : null;
                    const cell = (f: string) => (errors[`rows.${i}.${f}`] ? 'input--invalid' : '');
                    const tip = (f: string) => (errors[`rows.${i}.${f}`] ? t(`product.errors.${errors[`rows.${i}.${f}`]}`) : undefined);
                    return (
                      <tr key={r.key || '_'} data-testid="sku-row" className={r.active ? '' : 'row--muted'}>
                        {attrNames.length ? (
                          attrNames.map((n) => <td key={n}>{r.options[n]}</td>)
                        ) : (
                          <td className="hint">{t('product.singleSku')}</td>
                        )}
                        <td>
                          <input
                            type="text"
                            className={`input cell-input cell-input--code ${cell('code')}`}
                            value={r.code}
                            title={tip('code')}
                            aria-label={t('product.code')}
                            onChange={(e) => setRow(i, { code: e.target.value })}
                          />
                        </td>
                        <td>
                          <input
                            type="text"
                            inputMode="decimal"
                            className={`input cell-input ${cell('listPrice')}`}
                            value={r.listPrice}
                            title={tip('listPrice')}
                            aria-label={t('product.listPrice')}
                            data-testid={`sku-list-price-${i}`}
                            onChange={(e) => setRow(i, { listPrice: e.target.value })}
                          />
                        </td>
                        <td>
                          <input
                            type="text"
                            inputMode="decimal"
                            className={`input cell-input ${cell('livePrice')}`}
                            value={r.livePrice}
                            title={tip('livePrice')}
                            placeholder="—"
                            aria-label={t('product.livePrice')}
                            data-testid={`sku-live-price-${i}`}
                            onChange={(e) => setRow(i, { livePrice: e.target.value })}
                          />
                        </td>
                        <td>
                          <input
                            type="text"
                            inputMode="numeric"
                            className={`input cell-input cell-input--stock ${cell('stock')}`}
                            value={r.stock}
                            title={tip('stock')}
                            aria-label={t('product.stock')}
                            data-testid={`sku-stock-${i}`}
                            onChange={(e) => setRow(i, { stock: e.target.value })}
                          />
                          {stockMoved && <span className="cell-note">{t('product.stockNow', { count: liveSku.stock })}</span>}
                        </td>
                        <td>
                          <input
                            type="checkbox"
                            checked={r.active}
                            aria-label={t('product.active')}
                            onChange={(e) => setRow(i, { active: e.target.checked })}
                          />
                        </td>
                        <td className="cell-actions">
                          {sale ? (
                            <span className="chip chip--accent">
                              {formatMoney(sale.salePriceMinor, product?.currency ?? form.currency, i18n.language)} ·{' '}
                              <SaleCountdown endsAt={sale.endsAt} now={now} />
                            </span>
                          ) : (
                            liveSku && (
                              <button
                                type="button"
                                className="btn btn--ghost btn--small btn--sale"
                                disabled={!liveSku.active || product?.status !== 'active' || liveSku.stock === 0}
                                title={liveSku.stock === 0 ? t('sales.noStock') : undefined}
                                data-testid={`start-sale-${liveSku.id}`}
                                onClick={() => setSaleSku(liveSku)}
                              >
                                {t('sales.start')}
                              </button>
                            )
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <FieldError errors={errors} field="rows" />
            <p className="hint">{t('product.gridHint', { count: form.rows.length })}</p>
          </section>

          {/* ---- FAQ ---- */}
          <section className="form-section">
            <h3>{t('product.faq')}</h3>
            {form.faq.length === 0 && <p className="hint">{t('product.faqEmpty')}</p>}
            {form.faq.map((f, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own; every input is controlled
              <div className="faq-row" key={i} data-testid="faq-row">
                <div className="faq-fields">
                  <input
                    type="text"
                    className={errors[`faq.${i}.q`] ? 'input input--invalid' : 'input'}
                    maxLength={200}
                    value={f.q}
                    placeholder={t('product.faqQ')}
                    aria-label={t('product.faqQ')}
                    onChange={(e) => update({ faq: form.faq.map((x, j) => (j === i ? { ...x, q: e.target.value } : x)) })}
                  />
                  <textarea
                    rows={2}
                    className={errors[`faq.${i}.a`] ? 'input input--invalid' : 'input'}
                    maxLength={1000}
                    value={f.a}
                    placeholder={t('product.faqA')}
                    aria-label={t('product.faqA')}
                    onChange={(e) => update({ faq: form.faq.map((x, j) => (j === i ? { ...x, a: e.target.value } : x)) })}
                  />
                  <FieldError errors={errors} field={`faq.${i}.q`} />
                  <FieldError errors={errors} field={`faq.${i}.a`} />
                </div>
                <button
                  type="button"
                  className="btn btn--ghost btn--small"
                  onClick={() => update({ faq: form.faq.filter((_, j) => j !== i) })}
                >
                  {t('product.remove')}
                </button>
              </div>
            ))}
            <button
              type="button"
              className="btn btn--ghost btn--small"
              disabled={form.faq.length >= MAX_FAQ}
              data-testid="faq-add"
              onClick={() => update({ faq: [...form.faq, { q: '', a: '' }] })}
            >
              {t('product.addFaq')}
            </button>
          </section>
        </div>

        <footer className="drawer-foot">
          <div className="drawer-foot-msg">
            {formErrors.length > 0 && (
              <span className="form-error" role="alert" data-testid="form-errors">
                {t('product.fixErrors', { count: formErrors.length })}
              </span>
            )}
            <FailureText failure={failure} testId="save-error" />
          </div>
          <button type="button" className="btn btn--ghost" onClick={requestClose} disabled={saving}>
            {t('shop.close')}
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={saving || (!isNew && !dirty)}
            data-testid="product-save"
            onClick={() => void save()}
          >
            {saving ? t('shop.saving') : isNew ? t('product.create') : t('product.save')}
          </button>
        </footer>
      </div>
      {saleSku && product && <FlashSaleDialog product={product} sku={saleSku} onClose={() => setSaleSku(null)} />}
      {confirmClose && (
        <ConfirmDialog
          title={t('product.discardTitle')}
          body={t('product.discardBody')}
          confirmLabel={t('product.discard')}
          onConfirm={() => {
            setConfirmClose(false);
            onClose();
          }}
          onClose={() => setConfirmClose(false)}
        />
      )}
    </div>
  );
}
