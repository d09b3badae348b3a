import Papa from 'papaparse';
import { CATALOG_CSV_COLUMNS, type CsvImportResult, type SkuOptions, type SpecAttribute } from '../../../../shared/commerce/catalog';
import type { OrderView } from '../../../../shared/commerce/orders';
import { Currency, formatMinor, parseMinor } from '../../../../shared/domain/money';
import { badRequest, type Issue } from '../errors';
import type { CommerceStore } from '../store/types';
import { type CatalogService, describeOptions, optionsKey } from './catalog';

export const MAX_CSV_ROWS = 5000;

export { formatMinor };

/** Spreadsheet apps execute cells starting with = + - @ as formulas; prefix free text with an apostrophe. */
function safeText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function parseOptions(text: string): SkuOptions | null {
  const out: SkuOptions = {};
  if (!text.trim()) return out;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (!k || !v || k in out) return null;
    out[k] = v;
  }
  return out;
}

const formatOptions = (o: SkuOptions) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');

type Row = Partial<Record<(typeof CATALOG_CSV_COLUMNS)[number], string>>;

interface NewSku {
  options: SkuOptions;
  code?: string;
  listPriceMinor: number;
  livePriceMinor: number | null;
  stock: number;
  active: boolean;
}

/** Catalog CSV (one row per SKU) and order CSV export. */
export class CsvService {
  constructor(
    private readonly store: CommerceStore,
    private readonly catalog: CatalogService,
  ) {}

  async exportCatalog(): Promise<string> {
    const rows: string[][] = [];
    for (const p of await this.store.catalog.listProducts(true)) {
      for (const s of await this.store.inventory.listSkus(p.id)) {
        rows.push([
          p.id,
          safeText(p.title),
          safeText(p.description),
          p.currency,
          p.perBuyerLimit === null ? '' : String(p.perBuyerLimit),
          s.id,
          s.code,
          safeText(formatOptions(s.options)),
          formatMinor(s.listPrice, p.currency),
          s.livePrice === null ? '' : formatMinor(s.livePrice, p.currency),
          String(s.stock),
          s.active ? '1' : '0',
        ]);
      }
    }
    return `\uFEFF${Papa.unparse({ fields: [...CATALOG_CSV_COLUMNS], data: rows })}\r\n`;
  }

  /**
   * Import: rows with a product_id update that product's SKUs (by sku_id, else by options); rows without one create
   * products grouped by title (their options define the attributes; every combination must be listed).
   * Everything is validated first and applied in one transaction — any bad row rejects the whole file.
   */
  async importCatalog(text: string): Promise<CsvImportResult> {
    const parsed = Papa.parse<Row>(text.replace(/^\uFEFF/, ''), {
      header: true,
      skipEmptyLines: 'greedy',
      transformHeader: (h) => h.trim(),
    });
    const issues: Issue[] = [];
    const fail = (row: number, message: string): void => {
      issues.push({ path: `row ${row}`, message });
    };
    for (const e of parsed.errors.slice(0, 10)) fail((e.row ?? 0) + 2, e.message);
    const fields = parsed.meta.fields ?? [];
    for (const required of ['title', 'list_price', 'stock'] as const) {
      if (!fields.includes(required)) issues.push({ path: 'header', message: `missing column ${required}` });
    }
    if (parsed.data.length > MAX_CSV_ROWS) issues.push({ path: 'file', message: `more than ${MAX_CSV_ROWS} rows` });
    if (issues.length) throw badRequest('CSV rejected', 'CSV_INVALID', issues);

    type Update = { skuId: string; list: number; live: number | null; stock: number; code?: string; active: boolean };
    const updates: Update[] = [];
    const creates = new Map<
      string,
      { title: string; description: string; currency: string; limit: number | null; skus: NewSku[]; row: number }
    >();
    const touchedProducts = new Set<string>();

    for (const [i, r] of parsed.data.entries()) {
      const row = i + 2; // header is row 1
      const productId = (r.product_id ?? '').trim();
      const existing = productId ? await this.store.catalog.getProduct(productId) : null;
      if (productId && !existing) {
        fail(row, `unknown product_id ${productId}`);
        continue;
      }
      const currencyText = (r.currency ?? '').trim() || existing?.currency || 'CNY';
      if (!Currency.safeParse(currencyText).success) {
        fail(row, `bad currency ${currencyText}`);
        continue;
      }
      if (existing && currencyText !== existing.currency) {
        fail(row, 'currency of an existing product cannot change');
        continue;
      }
      const list = parseMinor(r.list_price ?? '', currencyText);
      if (list === null) {
        fail(row, `bad list_price "${r.list_price ?? ''}"`);
        continue;
      }
      const liveText = (r.live_price ?? '').trim();
      const live = liveText ? parseMinor(liveText, currencyText) : null;
      if (liveText && live === null) {
        fail(row, `bad live_price "${liveText}"`);
        continue;
      }
      const stockText = (r.stock ?? '').trim();
      if (!/^\d{1,7}$/.test(stockText) || Number(stockText) > 1_000_000) {
        fail(row, `bad stock "${stockText}"`);
        continue;
      }
      const stock = Number(stockText);
      const options = parseOptions(r.options ?? '');
      if (!options) {
        fail(row, `bad options "${r.options ?? ''}" (expected name=value;name=value)`);
        continue;
      }
      const code = (r.sku_code ?? '').trim();
      if (code && !/^[A-Za-z0-9._-]{1,40}$/.test(code)) {
        fail(row, `bad sku_code "${code}"`);
        continue;
      }
      const activeText = (r.active ?? '').trim();
      if (activeText && activeText !== '0' && activeText !== '1') {
        fail(row, 'active must be 0 or 1');
        continue;
      }
      const active = activeText !== '0';
      if (existing) {
        const skus = await this.store.inventory.listSkus(existing.id);
        const skuId = (r.sku_id ?? '').trim();
        const sku = skuId ? skus.find((s) => s.id === skuId) : skus.find((s) => s.optionsKey === optionsKey(options));
        if (!sku) {
          fail(row, skuId ? `sku_id ${skuId} is not a SKU of ${existing.id}` : `no SKU {${describeOptions(options)}} in ${existing.id}`);
          continue;
        }
        touchedProducts.add(existing.id);
        updates.push({ skuId: sku.id, list, live, stock, active, ...(code ? { code } : {}) });
        continue;
      }
      const title = (r.title ?? '').trim();
      if (!title || title.length > 120) {
        fail(row, 'title required (≤ 120 characters)');
        continue;
      }
      const limitText = (r.per_buyer_limit ?? '').trim();
      if (limitText && !/^[1-9]\d{0,2}$/.test(limitText)) {
        fail(row, `bad per_buyer_limit "${limitText}"`);
        continue;
      }
      let group = creates.get(title);
      if (!group) {
        group = {
          title,
          description: (r.description ?? '').trim().slice(0, 5000),
          currency: currencyText,
          limit: limitText ? Number(limitText) : null,
          skus: [],
          row,
        };
        creates.set(title, group);
      } else if (group.currency !== currencyText) {
        fail(row, 'all rows of a product must share one currency');
        continue;
      }
      group.skus.push({ options, listPriceMinor: list, livePriceMinor: live, stock, active, ...(code ? { code } : {}) });
    }

    const plans = [...creates.values()].map((g) => {
      const attributes: SpecAttribute[] = [];
      for (const s of g.skus) {
        for (const [k, v] of Object.entries(s.options)) {
          let a = attributes.find((x) => x.name === k);
          if (!a) {
            a = { name: k, values: [] };
            attributes.push(a);
          }
          if (!a.values.includes(v)) a.values.push(v);
        }
      }
      return { ...g, attributes };
    });
    if (issues.length) throw badRequest('CSV rejected', 'CSV_INVALID', issues);

    const result: CsvImportResult = {
      productsCreated: 0,
      productsUpdated: touchedProducts.size,
      skusCreated: 0,
      skusUpdated: updates.length,
    };
    try {
      const created = await this.store.transaction(async (tx) => {
        const ids: string[] = [];
        for (const u of updates) {
          const cur = (await tx.inventory.getSku(u.skuId))!;
          await tx.inventory.updateSku({ ...cur, listPrice: u.list, livePrice: u.live, active: u.active, code: u.code ?? cur.code });
          await tx.inventory.setStock(u.skuId, u.stock);
        }
        for (const p of plans) {
          const id = await this.catalog.createIn(tx, {
            title: p.title,
            description: p.description,
            currency: p.currency,
            attributes: p.attributes,
            skus: p.skus,
            perBuyerLimit: p.limit,
          });
          ids.push(id);
          result.productsCreated++;
          result.skusCreated += p.skus.length;
        }
        return ids;
      });
      for (const id of created) this.catalog.announce(id);
    } catch (err) {
      const e = err as { issues?: Issue[]; message: string };
      throw badRequest('CSV rejected', 'CSV_INVALID', e.issues ?? [{ path: 'file', message: e.message }]);
    }
    return result;
  }

  exportOrders(orders: readonly OrderView[]): string {
    const fields = [
      'order_id',
      'created_at',
      'status',
      'show_id',
      'items',
      'total',
      'currency',
      'buyer_name',
      'phone',
      'address',
      'paid_at',
      'shipped_at',
      'carrier',
      'tracking_no',
    ];
    const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
    const data = orders.map((o) => [
      o.id,
      iso(o.createdAt),
      o.status,
      o.showId ?? '',
      safeText(
        o.items.map((i) => `${i.title}${Object.keys(i.options).length ? ` [${describeOptions(i.options)}]` : ''} ×${i.qty}`).join(' | '),
      ),
      formatMinor(o.totalMinor, o.currency),
      o.currency,
      safeText(o.contact.name),
      o.contact.phone,
      safeText(o.contact.address),
      iso(o.paidAt),
      iso(o.shippedAt),
      safeText(o.carrier ?? ''),
      o.trackingNo ?? '',
    ]);
    return `\uFEFF${Papa.unparse({ fields, data })}\r\n`;
  }
}
