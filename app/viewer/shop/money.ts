/** Money arithmetic in integer minor units; totals never mix currencies. */

export interface PricedLine {
  unitPriceMinor: number;
  qty: number;
  currency: string;
}

export type Total = { ok: true; amountMinor: number; currency: string | null } | { ok: false; reason: 'mixedCurrency' };

export function lineTotal(l: Pick<PricedLine, 'unitPriceMinor' | 'qty'>): number {
  return l.unitPriceMinor * l.qty;
}

/** Sum of lines; an empty list totals 0 with no currency. */
export function sumLines(lines: readonly PricedLine[]): Total {
  let currency: string | null = null;
  let amount = 0;
  for (const l of lines) {
    if (currency !== null && l.currency !== currency) return { ok: false, reason: 'mixedCurrency' };
    currency = l.currency;
    amount += lineTotal(l);
  }
  return { ok: true, amountMinor: amount, currency };
}
