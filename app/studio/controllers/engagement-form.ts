/**
 * The studio Engagement panel's form: text fields → a request validated with the shared schemas (GiveawayStart,
 * RedPacketCreate, CouponCreate). Money is typed as decimals and parsed into minor units without floating point.
 */
import { CouponCreate } from '../../../shared/commerce/coupons';
import { parseMinor } from '../../../shared/domain/money';
import { type GiveawayStart, GiveawayStart as GiveawayStartSchema, RedPacketCreate } from '../../../shared/protocol/engagement';

export type EngageMode = 'lucky_bag' | 'lottery' | 'redpacket' | 'coupon';

export interface EngageForm {
  mode: EngageMode;
  prize: string;
  winners: string;
  duration: string;
  eligibility: 'keyword' | 'follow';
  keyword: string;
  amount: string;
  currency: string;
  count: string;
  title: string;
  couponKind: 'amount' | 'percent';
  value: string;
  minSpend: string;
  quantity: string;
}

export function defaultEngageForm(mode: EngageMode = 'lucky_bag'): EngageForm {
  return {
    mode,
    prize: '',
    winners: '1',
    duration: mode === 'redpacket' ? '300' : mode === 'coupon' ? '' : '60',
    eligibility: 'keyword',
    keyword: '',
    amount: '',
    currency: 'CNY',
    count: '10',
    title: '',
    couponKind: 'amount',
    value: '',
    minSpend: '',
    quantity: '',
  };
}

export type EngageRequest =
  | { kind: 'giveaway'; body: GiveawayStart }
  | { kind: 'redpacket'; body: RedPacketCreate }
  | { kind: 'coupon'; body: CouponCreate };

/** Field → i18n key under engage.errors. */
export type EngageErrors = Partial<Record<keyof EngageForm, string>>;

const int = (s: string): number => (/^\s*\d{1,9}\s*$/.test(s) ? Number(s) : Number.NaN);
const optionalInt = (s: string): number | null => (s.trim() === '' ? null : int(s));

/** Map zod issue paths of the request back to form fields. */
const FIELD_OF: Record<string, keyof EngageForm> = {
  prize: 'prize',
  winners: 'winners',
  durationSec: 'duration',
  eligibility: 'keyword',
  amountMinor: 'amount',
  currency: 'currency',
  count: 'count',
  title: 'title',
  value: 'value',
  minSpendMinor: 'minSpend',
  quantity: 'quantity',
};

export function buildEngageRequest(f: EngageForm): { ok: true; request: EngageRequest } | { ok: false; errors: EngageErrors } {
  const errors: EngageErrors = {};
  let candidate: EngageRequest;
  if (f.mode === 'lucky_bag' || f.mode === 'lottery') {
    const eligibility =
      f.mode === 'lottery' || f.eligibility === 'keyword' ? { type: 'keyword' as const, keyword: f.keyword } : { type: 'follow' as const };
    candidate = {
      kind: 'giveaway',
      body: { kind: f.mode, prize: f.prize, winners: int(f.winners), durationSec: int(f.duration), eligibility },
    };
  } else if (f.mode === 'redpacket') {
    const amount = parseMinor(f.amount, f.currency);
    if (amount === null) errors.amount = 'money';
    candidate = {
      kind: 'redpacket',
      body: { amountMinor: amount ?? Number.NaN, currency: f.currency, count: int(f.count), durationSec: int(f.duration), note: f.title },
    };
  } else {
    const value = f.couponKind === 'amount' ? parseMinor(f.value, f.currency) : int(f.value);
    if (value === null) errors.value = 'money';
    const minSpend = f.minSpend.trim() === '' ? null : parseMinor(f.minSpend, f.currency);
    if (minSpend === null && f.minSpend.trim() !== '') errors.minSpend = 'money';
    candidate = {
      kind: 'coupon',
      body: {
        title: f.title,
        kind: f.couponKind,
        value: value ?? Number.NaN,
        currency: f.currency,
        minSpendMinor: minSpend,
        quantity: optionalInt(f.quantity),
        durationSec: optionalInt(f.duration),
      },
    };
  }
  const schema = candidate.kind === 'giveaway' ? GiveawayStartSchema : candidate.kind === 'redpacket' ? RedPacketCreate : CouponCreate;
  const parsed = schema.safeParse(candidate.body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = FIELD_OF[String(issue.path[0] ?? '')];
      if (field && !errors[field]) errors[field] = issue.path[0] === 'eligibility' ? 'keyword' : 'invalid';
    }
    if (!Object.keys(errors).length) errors.mode = 'invalid';
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, request: candidate };
}
