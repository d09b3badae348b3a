/** Products tab: catalog table, CSV import/export, show lineup and running flash sales; opens the product editor. */
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CsvImportResult, ProductView } from '../../../../shared/commerce/catalog';
import { formatMoneyRange } from '../../../ui/format';
import { useStudio, useStudioState } from '../../context';
import { priceRange, totalStock } from '../../controllers/catalog';
import type { ShopFailure } from '../../store';
import { PRODUCT_TONE } from './chip-tones';
import { ConfirmDialog, downloadBlob, FailureText, ServerImage, stamp } from './common';
import { FlashSalesPanel } from './FlashSales';
import { LineupPanel } from './LineupPanel';
import { ProductEditor } from './ProductEditor';

type StatusFilter = 'all' | 'active' | 'archived';

export function ProductsPage() {
  const { t, i18n } = useTranslation();
  const { shop, store } = useStudio();
  const products = useStudioState((s) => s.catalog.products);
  const status = useStudioState((s) => s.catalog.status);
  const loadError = useStudioState((s) => s.catalog.error);
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<StatusFilter>('all');
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ProductView | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteFailure, setDeleteFailure] = useState<ShopFailure | null>(null);
  const [csvBusy, setCsvBusy] = useState<'import' | 'export' | null>(null);
  const [csvResult, setCsvResult] = useState<CsvImportResult | null>(null);
  const [csvFailure, setCsvFailure] = useState<ShopFailure | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return products.filter((p) => (filter === 'all' || p.status === filter) && (!q || p.title.toLowerCase().includes(q)));
  }, [products, query, filter]);

  const importCsv = async (file: File) => {
    setCsvBusy('import');
    setCsvResult(null);
    setCsvFailure(null);
    const r = await shop.importCsv(await file.text());
    setCsvBusy(null);
    if (r.ok) setCsvResult(r.value);
    else setCsvFailure(r.failure);
  };

  const exportCsv = async () => {
    setCsvBusy('export');
    setCsvFailure(null);
    const r = await shop.exportCsv();
    setCsvBusy(null);
    if (r.ok) downloadBlob(r.value, `catalog-${stamp()}.csv`);
    else setCsvFailure(r.failure);
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteFailure(null);
    const r = await shop.deleteProduct(deleting.id);
    setDeleteBusy(false);
    if (!r.ok) {
      setDeleteFailure(r.failure);
      return;
    }
    store
      .getState()
      .notify(
        r.value.archived
          ? { key: 'products.archivedInstead', params: { title: deleting.title }, tone: 'warn' }
          : { key: 'products.deleted', params: { title: deleting.title }, tone: 'ok' },
      );
    setDeleting(null);
  };

  return (
    <div className="shop-page" data-testid="products-page">
      <section className="shop-main">
        <header className="shop-toolbar">
          <h1 className="page-title">
            {t('products.title')} <span className="count">{products.length}</span>
          </h1>
          <input
            type="search"
            className="input toolbar-search"
            value={query}
            placeholder={t('products.search')}
            aria-label={t('products.search')}
            onChange={(e) => setQuery(e.target.value)}
          />
          <select
            className="input"
            aria-label={t('products.statusFilter')}
            value={filter}
            onChange={(e) => setFilter(e.target.value as StatusFilter)}
          >
            <option value="all">{t('products.filter.all')}</option>
            <option value="active">{t('products.filter.active')}</option>
            <option value="archived">{t('products.filter.archived')}</option>
          </select>
          <div className="toolbar-spacer" />
          <button type="button" className="btn btn--ghost" disabled={csvBusy !== null} onClick={() => fileInput.current?.click()}>
            {csvBusy === 'import' ? t('shop.working') : t('products.importCsv')}
          </button>
          <button type="button" className="btn btn--ghost" disabled={csvBusy !== null} onClick={() => void exportCsv()}>
            {csvBusy === 'export' ? t('shop.working') : t('products.exportCsv')}
          </button>
          <button type="button" className="btn btn--primary" data-testid="product-new" onClick={() => setEditing('new')}>
            {t('products.new')}
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".csv,text/csv"
            hidden
            data-testid="csv-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importCsv(file);
            }}
          />
        </header>

        {csvResult && (
          <div className="result-box result-box--ok" data-testid="csv-result">
            <span>{t('products.csvImported', csvResult)}</span>
            <button type="button" className="link-btn" onClick={() => setCsvResult(null)}>
              {t('errors.dismiss')}
            </button>
          </div>
        )}
        {csvFailure && (
          <div className="result-box result-box--error">
            <FailureText failure={csvFailure} testId="csv-error" />
            <button type="button" className="link-btn" onClick={() => setCsvFailure(null)}>
              {t('errors.dismiss')}
            </button>
          </div>
        )}

        <div className="table-wrap">
          <table className="table" data-testid="products-table">
            <thead>
              <tr>
                <th className="col-thumb" aria-label={t('products.col.image')} />
                <th>{t('products.col.title')}</th>
                <th className="num">{t('products.col.price')}</th>
                <th className="num">{t('products.col.stock')}</th>
                <th>{t('products.col.status')}</th>
                <th className="col-actions" aria-label={t('products.col.actions')} />
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => {
                const range = priceRange(p);
                const stock = totalStock(p);
                const onSale = p.skus.some((s) => s.sale !== null);
                return (
                  <tr key={p.id} data-testid="product-row" data-product-id={p.id} className={p.status === 'archived' ? 'row--muted' : ''}>
                    <td className="col-thumb">
                      <ServerImage className="thumb" path={p.images[0]?.thumbUrl} alt="" />
                    </td>
                    <td>
                      <button type="button" className="row-title" onClick={() => setEditing(p.id)}>
                        {p.title}
                      </button>
                      <div className="row-sub">
                        {t('products.skuCount', { count: p.skus.filter((s) => s.active).length })}
                        {p.attributes.length > 0 && ` · ${p.attributes.map((a) => a.name).join(' × ')}`}
                        {onSale && <span className="chip chip--accent">{t('sales.onSale')}</span>}
                      </div>
                    </td>
                    <td className="num price-cell">{range ? formatMoneyRange(range.min, range.max, p.currency, i18n.language) : '—'}</td>
                    <td className={`num ${stock === 0 ? 'text-danger' : stock < 10 ? 'text-warn' : ''}`}>{stock}</td>
                    <td>
                      <span className={`chip chip--${PRODUCT_TONE[p.status]}`}>{t(`products.status.${p.status}`)}</span>
                    </td>
                    <td className="col-actions">
                      <button
                        type="button"
                        className="btn btn--ghost btn--small"
                        data-testid="product-edit"
                        onClick={() => setEditing(p.id)}
                      >
                        {t('products.edit')}
                      </button>
                      <button
                        type="button"
                        className="btn btn--ghost btn--small btn--ghost-danger"
                        data-testid="product-delete"
                        onClick={() => {
                          setDeleteFailure(null);
                          setDeleting(p);
                        }}
                      >
                        {t('products.delete')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {status === 'loading' && products.length === 0 && <p className="empty">{t('shop.loading')}</p>}
          {status === 'error' && (
            <div className="empty">
              <FailureText failure={loadError} />
              <button type="button" className="btn btn--ghost btn--small" onClick={() => void shop.refreshCatalog()}>
                {t('shop.retry')}
              </button>
            </div>
          )}
          {status === 'ready' && shown.length === 0 && (
            <p className="empty">{products.length === 0 ? t('products.empty') : t('products.noMatch')}</p>
          )}
        </div>
      </section>
      <aside className="shop-side">
        <LineupPanel />
        <FlashSalesPanel />
      </aside>
      {editing && (
        <ProductEditor
          key={editing}
          productId={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onCreated={(id) => setEditing(id)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('products.deleteTitle', { title: deleting.title })}
          body={t('products.deleteBody')}
          confirmLabel={t('products.delete')}
          busy={deleteBusy}
          failure={deleteFailure}
          testId="delete-dialog"
          onConfirm={() => void confirmDelete()}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
