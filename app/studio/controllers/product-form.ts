/**
 * Product editor form ↔ commerce API request bodies (pure, unit-tested).
 *
 * The form keeps text as typed (prices as decimal text in the product currency). `syncRows` regenerates the SKU grid
 * from the spec attributes the way the server does (cartesian product, attribute order), keeping rows the streamer
 * already edited. Saving an existing product is a product PATCH (basics; attributes + the new combinations when the
 * attributes changed) followed by one SKU PATCH per changed existing SKU, so live stock is only overwritten where the
 * streamer actually edited it.
 */
import {
  FaqItem,
  PerBuyerLimit,
  ProductCreate,
  type ProductStatus,
  type ProductUpdate,
  type ProductView,
  SkuCode,
  type SkuInput,
  type SkuOptions,
  type SkuUpdate,
  SpecAttributes,
  Stock,
} from '../../../shared/commerce/catalog';
import { Currency, minorDigits, parseMinor } from '../../../shared/domain/money';

export const MAX_ATTRIBUTES = 3;
export const MAX_SKUS = 100;

export interface FaqRow {
  q: string;
  a: string;
}
export interface AttributeRow {
  name: string;
  /** Values as typed: separated by commas (, ，、). */
  values: string;
}
export interface SkuRow {
  /** Order-independent key of the combination. */
  key: string;
  options: SkuOptions;
  /** Existing SKU (null: created on save). */
  skuId: string | null;
  code: string;
  listPrice: string;
  livePrice: string;
  stock: string;
  active: boolean;
}
export interface ProductForm {
  title: string;
  description: string;
  currency: string;
  /** Empty = no limit. */
  perBuyerLimit: string;
  status: ProductStatus;
  faq: FaqRow[];
  attributes: AttributeRow[];
  rows: SkuRow[];
}
/** Values applied to new combinations (and by "apply to all"). */
export interface RowDefaults {
  listPrice: string;
  livePrice: string;
  stock: string;
}

/** A problem with one field: `field` is a dotted path (rows.2.listPrice), `key` an i18n key under product.errors. */
export interface FormError {
  field: string;
  key: string;
}

export function optionsKey(options: SkuOptions): string {
  return Object.keys(options)
    .sort()
    .map((k) => `${k}=${options[k]}`)
    .join('\u001f');
}

/** Minor units → decimal text for an input ("19900" CNY → "199.00"), without floating point. */
export function minorToText(minor: number, currency: string): string {
  const d = minorDigits(currency);
  if (d === 0) return String(minor);
  const s = String(minor).padStart(d + 1, '0');
  return `${s.slice(0, -d)}.${s.slice(-d)}`;
}

/** Split typed attribute values on , ， 、 ; (trimmed, empties dropped). */
export function splitValues(text: string): string[] {
  return text
    .split(/[,，、;；]/)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function emptyForm(currency = 'CNY'): ProductForm {
  return {
    title: '',
    description: '',
    currency,
    perBuyerLimit: '',
    status: 'active',
    faq: [],
    attributes: [],
    rows: [{ key: '', options: {}, skuId: null, code: '', listPrice: '', livePrice: '', stock: '0', active: true }],
  };
}

export function formFromProduct(p: ProductView): ProductForm {
  return {
    title: p.title,
    description: p.description,
    currency: p.currency,
    perBuyerLimit: p.perBuyerLimit === null ? '' : String(p.perBuyerLimit),
    status: p.status,
    faq: p.faq.map((f) => ({ q: f.q, a: f.a })),
    attributes: p.attributes.map((a) => ({ name: a.name, values: a.values.join(', ') })),
    rows: p.skus.map((s) => ({
      key: optionsKey(s.options),
      options: s.options,
      skuId: s.id,
      code: s.code,
      listPrice: minorToText(s.listPriceMinor, p.currency),
      livePrice: s.livePriceMinor === null ? '' : minorToText(s.livePriceMinor, p.currency),
      stock: String(s.stock),
      active: s.active,
    })),
  };
}

/** Every combination of the attribute values, in attribute order ([{}] without attributes) — same as the server. */
export function combinations(attributes: readonly { name: string; values: readonly string[] }[]): SkuOptions[] {
  let out: SkuOptions[] = [{}];
  for (const a of attributes) out = out.flatMap((o) => a.values.map((v) => ({ ...o, [a.name]: v })));
  return out;
}

/** Attribute rows as typed → spec attributes (rows with an empty name and no values are ignored). */
export function parseAttributes(rows: readonly AttributeRow[]): { attributes: { name: string; values: string[] }[]; errors: FormError[] } {
  const errors: FormError[] = [];
  const attributes: { name: string; values: string[] }[] = [];
  const names = new Set<string>();
  rows.forEach((row, i) => {
    const name = row.name.trim();
    const values = splitValues(row.values);
    if (!name && values.length === 0) return;
    if (!name) errors.push({ field: `attributes.${i}.name`, key: 'attributeNameRequired' });
    else if ([...name].length > 20) errors.push({ field: `attributes.${i}.name`, key: 'attributeNameTooLong' });
    else if (names.has(name)) errors.push({ field: `attributes.${i}.name`, key: 'attributeNameDuplicate' });
    names.add(name);
    if (values.length === 0) errors.push({ field: `attributes.${i}.values`, key: 'attributeValuesRequired' });
    else if (new Set(values).size !== values.length) errors.push({ field: `attributes.${i}.values`, key: 'attributeValuesDuplicate' });
    else if (values.length > 20 || values.some((v) => [...v].length > 30))
      errors.push({ field: `attributes.${i}.values`, key: 'attributeValuesTooMany' });
    attributes.push({ name, values });
  });
  if (attributes.length > MAX_ATTRIBUTES) errors.push({ field: 'attributes', key: 'attributesTooMany' });
  if (attributes.reduce((n, a) => n * Math.max(1, a.values.length), 1) > MAX_SKUS) errors.push({ field: 'attributes', key: 'skusTooMany' });
  return { attributes, errors };
}

/**
 * Regenerate the SKU grid for the current attributes: combinations already in the grid keep their row (and SKU),
 * new ones get `defaults`. Returns the rows unchanged while the attributes have errors.
 */
export function syncRows(form: ProductForm, defaults: RowDefaults): SkuRow[] {
  const { attributes, errors } = parseAttributes(form.attributes);
  if (errors.length) return form.rows;
  const old = new Map(form.rows.map((r) => [r.key, r]));
  return combinations(attributes).map((options) => {
    const key = optionsKey(options);
    return (
      old.get(key) ?? {
        key,
        options,
        skuId: null,
        code: '',
        listPrice: defaults.listPrice,
        livePrice: defaults.livePrice,
        stock: defaults.stock || '0',
        active: true,
      }
    );
  });
}

/** Apply the defaults' non-empty fields to every row. */
export function applyDefaults(rows: readonly SkuRow[], defaults: RowDefaults): SkuRow[] {
  return rows.map((r) => ({
    ...r,
    ...(defaults.listPrice.trim() ? { listPrice: defaults.listPrice.trim() } : {}),
    ...(defaults.livePrice.trim() ? { livePrice: defaults.livePrice.trim() } : {}),
    ...(defaults.stock.trim() ? { stock: defaults.stock.trim() } : {}),
  }));
}

interface ParsedRow {
  row: SkuRow;
  code: string;
  listPriceMinor: number;
  livePriceMinor: number | null;
  stock: number;
}

function parseRows(rows: readonly SkuRow[], currency: string, errors: FormError[]): ParsedRow[] {
  const out: ParsedRow[] = [];
  rows.forEach((row, i) => {
    const at = (f: string) => `rows.${i}.${f}`;
    let ok = true;
    const listPriceMinor = parseMinor(row.listPrice, currency);
    if (listPriceMinor === null) {
      errors.push({ field: at('listPrice'), key: row.listPrice.trim() ? 'priceInvalid' : 'listPriceRequired' });
      ok = false;
    }
    let livePriceMinor: number | null = null;
    if (row.livePrice.trim()) {
      livePriceMinor = parseMinor(row.livePrice, currency);
      if (livePriceMinor === null) {
        errors.push({ field: at('livePrice'), key: 'priceInvalid' });
        ok = false;
      } else if (listPriceMinor !== null && livePriceMinor > listPriceMinor) {
        errors.push({ field: at('livePrice'), key: 'livePriceAboveList' });
        ok = false;
      }
    }
    const stockText = row.stock.trim();
    const stock = /^\d{1,7}$/.test(stockText) ? Number(stockText) : Number.NaN;
    if (!Stock.safeParse(stock).success) {
      errors.push({ field: at('stock'), key: 'stockInvalid' });
      ok = false;
    }
    const code = row.code.trim();
    if (!SkuCode.safeParse(code).success) {
      errors.push({ field: at('code'), key: 'codeInvalid' });
      ok = false;
    }
    if (ok) out.push({ row, code, listPriceMinor: listPriceMinor!, livePriceMinor, stock });
  });
  return out;
}

interface Basics {
  title: string;
  description: string;
  currency: string;
  perBuyerLimit: number | null;
  faq: { q: string; a: string }[];
}

function parseBasics(form: ProductForm, errors: FormError[]): Basics {
  const title = form.title.trim();
  if (!title) errors.push({ field: 'title', key: 'titleRequired' });
  else if ([...title].length > 120) errors.push({ field: 'title', key: 'titleTooLong' });
  const description = form.description.trim();
  if ([...description].length > 5000) errors.push({ field: 'description', key: 'descriptionTooLong' });
  if (!Currency.safeParse(form.currency).success) errors.push({ field: 'currency', key: 'currencyInvalid' });
  let perBuyerLimit: number | null = null;
  const lim = form.perBuyerLimit.trim();
  if (lim) {
    perBuyerLimit = /^\d+$/.test(lim) ? Number(lim) : Number.NaN;
    if (!PerBuyerLimit.safeParse(perBuyerLimit).success) errors.push({ field: 'perBuyerLimit', key: 'limitInvalid' });
  }
  const faq: { q: string; a: string }[] = [];
  form.faq.forEach((f, i) => {
    const item = { q: f.q.trim(), a: f.a.trim() };
    if (!item.q && !item.a) return;
    if (!item.q) errors.push({ field: `faq.${i}.q`, key: 'faqQuestionRequired' });
    if (!item.a) errors.push({ field: `faq.${i}.a`, key: 'faqAnswerRequired' });
    if (item.q && item.a && !FaqItem.safeParse(item).success) errors.push({ field: `faq.${i}.a`, key: 'faqTooLong' });
    faq.push(item);
  });
  if (faq.length > 30) errors.push({ field: 'faq', key: 'faqTooMany' });
  return { title, description, currency: form.currency, perBuyerLimit, faq };
}

function skuInput(p: ParsedRow): SkuInput {
  return {
    options: p.row.options,
    ...(p.code ? { code: p.code } : {}),
    listPriceMinor: p.listPriceMinor,
    livePriceMinor: p.livePriceMinor,
    stock: p.stock,
    active: p.row.active,
  };
}

export type CreateResult = { ok: true; body: ProductCreate } | { ok: false; errors: FormError[] };

/** New product → POST /api/studio/products body (every combination listed explicitly). */
export function buildCreate(form: ProductForm): CreateResult {
  const errors: FormError[] = [];
  const basics = parseBasics(form, errors);
  const { attributes, errors: attrErrors } = parseAttributes(form.attributes);
  errors.push(...attrErrors);
  const expected = new Set(combinations(attributes).map(optionsKey));
  if (!attrErrors.length && (form.rows.length !== expected.size || form.rows.some((r) => !expected.has(r.key))))
    errors.push({ field: 'rows', key: 'gridOutdated' });
  const rows = parseRows(form.rows, basics.currency, errors);
  if (errors.length) return { ok: false, errors };
  const body: ProductCreate = { ...basics, attributes, skus: rows.map(skuInput) };
  const check = ProductCreate.safeParse(body);
  if (!check.success) return { ok: false, errors: [{ field: check.error.issues[0]?.path.join('.') ?? '', key: 'invalid' }] };
  return { ok: true, body };
}

export interface UpdatePlan {
  patch: ProductUpdate;
  skuPatches: { skuId: string; body: SkuUpdate }[];
}
export type UpdateResult = ({ ok: true } & UpdatePlan) | { ok: false; errors: FormError[] };

const sameAttributes = (
  a: readonly { name: string; values: readonly string[] }[],
  b: readonly { name: string; values: readonly string[] }[],
) => JSON.stringify(a.map((x) => [x.name, [...x.values]])) === JSON.stringify(b.map((x) => [x.name, [...x.values]]));

/** Edited product → PATCH body + per-SKU PATCHes for the existing SKUs the streamer changed. */
export function buildUpdate(form: ProductForm, original: ProductView): UpdateResult {
  const errors: FormError[] = [];
  const basics = parseBasics(form, errors);
  const { attributes, errors: attrErrors } = parseAttributes(form.attributes);
  errors.push(...attrErrors);
  const expected = new Set(combinations(attributes).map(optionsKey));
  if (!attrErrors.length && (form.rows.length !== expected.size || form.rows.some((r) => !expected.has(r.key))))
    errors.push({ field: 'rows', key: 'gridOutdated' });
  const rows = parseRows(form.rows, original.currency, errors);
  if (errors.length) return { ok: false, errors };
  if (!SpecAttributes.safeParse(attributes).success) return { ok: false, errors: [{ field: 'attributes', key: 'invalid' }] };

  const attributesChanged = !sameAttributes(attributes, original.attributes);
  const patch: ProductUpdate = {
    title: basics.title,
    description: basics.description,
    faq: basics.faq,
    perBuyerLimit: basics.perBuyerLimit,
    status: form.status,
  };
  if (attributesChanged) {
    patch.attributes = attributes;
    patch.skus = rows.filter((r) => r.row.skuId === null).map(skuInput);
  }
  const bySku = new Map(original.skus.map((s) => [s.id, s]));
  const skuPatches: UpdatePlan['skuPatches'] = [];
  for (const r of rows) {
    if (r.row.skuId === null) continue;
    const cur = bySku.get(r.row.skuId);
    if (!cur) continue;
    const body: SkuUpdate = {};
    if (r.code !== cur.code) body.code = r.code;
    if (r.listPriceMinor !== cur.listPriceMinor) body.listPriceMinor = r.listPriceMinor;
    if (r.livePriceMinor !== cur.livePriceMinor) body.livePriceMinor = r.livePriceMinor;
    if (r.stock !== cur.stock) body.stock = r.stock;
    // A PATCH with new attributes re-activates every kept combination: keep the streamer's "inactive" choice.
    if (r.row.active !== cur.active || (attributesChanged && !r.row.active)) body.active = r.row.active;
    if (Object.keys(body).length) skuPatches.push({ skuId: r.row.skuId, body });
  }
  return { ok: true, patch, skuPatches };
}

/** First error per field, for showing next to inputs. */
export function errorsByField(errors: readonly FormError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) out[e.field] ??= e.key;
  return out;
}
