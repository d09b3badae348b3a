/** The big screen's per-product table: click a column header to sort by it (again to flip; `SortableHead`, ui/SortHeader.tsx). */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../ui/format';
import { SortableHead } from '../../ui/SortHeader';
import { useStudio, useStudioState } from '../context';
import { productRows, SORT_KEYS } from '../controllers/selling-screen-view';
import type { SellingSortKey } from '../store';

export function BigScreenTable() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { store } = useStudio();
  const data = useStudioState((s) => s.selling.data);
  const catalog = useStudioState((s) => s.catalog.products);
  const sort = useStudioState((s) => s.selling.sort);
  const rows = useMemo(() => productRows(data, catalog, sort, locale), [data, catalog, sort, locale]);
  const count = useMemo(() => new Intl.NumberFormat(locale), [locale]);
  const pct = useMemo(() => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }), [locale]);

  const cell = (key: SellingSortKey, r: (typeof rows)[number]): string => {
    switch (key) {
      case 'title':
        return r.title;
      case 'ctr':
        return pct.format(r.ctr);
      case 'gmv':
        return r.currency ? formatMoney(r.gmvMinor, r.currency, locale) : '—';
      default:
        return count.format(r[key]);
    }
  };

  if (rows.length === 0) return <p className="bigscreen-empty">{t('bigscreen.noProducts')}</p>;
  return (
    <div className="bigscreen-table-wrap">
      <table className="bigscreen-table sortable" data-testid="bigscreen-table">
        <SortableHead
          columns={SORT_KEYS}
          sort={sort}
          label={(key) => t(`bigscreen.col.${key}`)}
          className={(key) => (key === 'title' ? 'bigscreen-col-text' : 'bigscreen-col-num')}
          markClassName="sortable-mark"
          testIdPrefix="bigscreen-sort-"
          onSort={(key) => store.getState().sortSelling(key)}
        />
        <tbody>
          {rows.map((r) => (
            <tr key={r.productId} data-product-id={r.productId}>
              {SORT_KEYS.map((key) =>
                key === 'title' ? (
                  <th key={key} scope="row" className="bigscreen-col-text" title={r.title}>
                    {r.title}
                  </th>
                ) : (
                  <td key={key} className="bigscreen-col-num" data-col={key}>
                    {cell(key, r)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
