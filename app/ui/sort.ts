/** Sorting of the pages' data tables (big screen, post-show report): one column, either direction, stable. */
export type SortDir = 'asc' | 'desc';

/** `rows` sorted by `value` (strings by the locale's collation, numbers by value); ties keep the given order. */
export function sortRows<T>(rows: readonly T[], value: (r: T) => number | string, dir: SortDir, locale: string): T[] {
  const collator = new Intl.Collator(locale);
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: value(r) }))
    .sort((a, b) => {
      const c = typeof a.v === 'string' && typeof b.v === 'string' ? collator.compare(a.v, b.v) : (a.v as number) - (b.v as number);
      return c * sign || a.i - b.i;
    })
    .map(({ r }) => r);
}
