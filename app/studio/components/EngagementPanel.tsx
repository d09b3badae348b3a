/** Live sidebar: start lucky bags, danmaku lotteries, red packets and live-only coupons; live status, winners, proof. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { CouponView } from '../../../shared/commerce/coupons';
import type { GiveawayView, RedPacketView } from '../../../shared/protocol/engagement';
import type { DrawCheck } from '../../../shared/engagement/draw';
import { type EngagementData, orderedGiveaways } from '../../ui/engagement/state';
import { formatCountdown, formatMoney } from '../../ui/format';
import { useStudio, useStudioState } from '../context';
import { buildEngageRequest, defaultEngageForm, type EngageErrors, type EngageForm, type EngageMode } from '../controllers/engagement-form';
import { useNow } from './hooks';

const MODES: EngageMode[] = ['lucky_bag', 'lottery', 'redpacket', 'coupon'];

function useEngage<T>(selector: (s: EngagementData) => T): T {
  return useStore(useStudio().engagement.store, selector);
}

export function EngagementPanel() {
  const { t } = useTranslation();
  const live = useStudioState((s) => s.publish.show?.status === 'live');
  const status = useEngage((s) => s.status);
  return (
    <section className="panel engage" data-testid="engagement-panel">
      <div className="panel-head">
        <h2 className="panel-title">{t('engage.title')}</h2>
        {live && status !== 'open' && <span className="chip">{t(`engage.status.${status}`)}</span>}
      </div>
      {live ? <EngageFormView /> : <p className="hint">{t('engage.notLive')}</p>}
      <EngageList />
    </section>
  );
}

function EngageFormView() {
  const { t } = useTranslation();
  const { engagement } = useStudio();
  const [form, setForm] = useState<EngageForm>(() => defaultEngageForm());
  const [errors, setErrors] = useState<EngageErrors>({});
  const busy = useEngage((s) => s.pending.form === true);
  const serverError = useEngage((s) => s.errors.form ?? null);
  const set = (patch: Partial<EngageForm>) => setForm((f) => ({ ...f, ...patch }));
  const err = (f: keyof EngageForm) => (errors[f] ? <span className="field-error">{t(`engage.errors.${errors[f]}`)}</span> : null);
  const input = (f: keyof EngageForm, label: string, extra: { placeholder?: string; numeric?: boolean } = {}) => (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        type="text"
        inputMode={extra.numeric ? 'decimal' : undefined}
        className={errors[f] ? 'input input--invalid' : 'input'}
        value={String(form[f])}
        placeholder={extra.placeholder}
        data-testid={`engage-${f}`}
        onChange={(e) => set({ [f]: e.target.value } as Partial<EngageForm>)}
      />
      {err(f)}
    </label>
  );

  const submit = async () => {
    const r = buildEngageRequest(form);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    if (await engagement.submit(r.request)) setForm((f) => ({ ...defaultEngageForm(f.mode), currency: f.currency }));
  };

  const giveaway = form.mode === 'lucky_bag' || form.mode === 'lottery';
  return (
    <form
      className="engage-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="segmented" role="tablist">
        {MODES.map((m) => (
          <button
            key={m}
            type="button"
            role="tab"
            aria-selected={form.mode === m}
            className={`segment ${form.mode === m ? 'segment--active' : ''}`}
            data-testid={`engage-mode-${m}`}
            onClick={() => {
              setErrors({});
              setForm((f) => ({ ...defaultEngageForm(m), currency: f.currency }));
            }}
          >
            {t(`engage.mode.${m}`)}
          </button>
        ))}
      </div>
      <p className="hint">{t(`engage.explain.${form.mode}`)}</p>
      {giveaway && (
        <>
          {input('prize', t('engage.prize'), { placeholder: t('engage.prizePlaceholder') })}
          <div className="field-row">
            {input('winners', t('engage.winners'), { numeric: true })}
            {input('duration', t('engage.durationSec'), { numeric: true })}
          </div>
          {form.mode === 'lucky_bag' && (
            <label className="field">
              <span className="field-label">{t('engage.eligibility')}</span>
              <select
                className="input"
                value={form.eligibility}
                data-testid="engage-eligibility"
                onChange={(e) => set({ eligibility: e.target.value as EngageForm['eligibility'] })}
              >
                <option value="keyword">{t('engage.byKeyword')}</option>
                <option value="follow">{t('engage.byFollow')}</option>
              </select>
            </label>
          )}
          {(form.mode === 'lottery' || form.eligibility === 'keyword') &&
            input('keyword', t('engage.keyword'), { placeholder: t('engage.keywordPlaceholder') })}
        </>
      )}
      {form.mode === 'redpacket' && (
        <>
          <div className="field-row">
            {input('amount', t('engage.amount', { currency: form.currency }), { numeric: true, placeholder: '88.88' })}
            {input('count', t('engage.count'), { numeric: true })}
          </div>
          <div className="field-row">
            {input('duration', t('engage.durationSec'), { numeric: true })}
            {input('title', t('engage.note'), { placeholder: t('engage.notePlaceholder') })}
          </div>
        </>
      )}
      {form.mode === 'coupon' && (
        <>
          {input('title', t('engage.couponTitle'), { placeholder: t('engage.couponTitlePlaceholder') })}
          <div className="field-row">
            <label className="field">
              <span className="field-label">{t('engage.couponKind')}</span>
              <select
                className="input"
                value={form.couponKind}
                data-testid="engage-couponKind"
                onChange={(e) => set({ couponKind: e.target.value as EngageForm['couponKind'] })}
              >
                <option value="amount">{t('engage.amountOff')}</option>
                <option value="percent">{t('engage.percentOff')}</option>
              </select>
            </label>
            {input('value', form.couponKind === 'amount' ? t('engage.amount', { currency: form.currency }) : t('engage.percent'), {
              numeric: true,
            })}
          </div>
          <div className="field-row">
            {input('minSpend', t('engage.minSpend'), { numeric: true, placeholder: t('engage.optional') })}
            {input('quantity', t('engage.quantity'), { numeric: true, placeholder: t('engage.unlimited') })}
            {input('duration', t('engage.windowSec'), { numeric: true, placeholder: t('engage.untilShowEnds') })}
          </div>
        </>
      )}
      {errors.mode && <div className="form-error">{t('engage.errors.invalid')}</div>}
      {serverError && (
        <div className="form-error" role="alert" data-testid="engage-error">
          {t(`engage.server.${serverError}`, { defaultValue: t('engage.server.other', { code: serverError }) })}
        </div>
      )}
      <button type="submit" className="btn btn--primary btn--block" disabled={busy} data-testid="engage-submit">
        {busy ? t('engage.starting') : t(`engage.start.${form.mode}`)}
      </button>
    </form>
  );
}

function EngageList() {
  const giveaways = useEngage((s) => s.giveaways);
  const packets = useEngage((s) => s.redPackets);
  const coupons = useEngage((s) => s.coupons);
  const now = useNow(500);
  if (!giveaways.length && !packets.length && !coupons.length) return null;
  return (
    <ul className="engage-list" data-testid="engage-list">
      {orderedGiveaways(giveaways).map((g) => (
        <GiveawayRow key={g.id} g={g} now={now} />
      ))}
      {packets.map((p) => (
        <PacketRow key={p.id} p={p} now={now} />
      ))}
      {coupons.map((c) => (
        <CouponRow key={c.id} c={c} />
      ))}
    </ul>
  );
}

const short = (hex: string | null) => (hex ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : '—');

function GiveawayRow({ g, now }: { g: GiveawayView; now: number }) {
  const { t } = useTranslation();
  const { engagement } = useStudio();
  const pending = useEngage((s) => s.pending[g.id] === true);
  const check = useEngage((s) => s.checks[g.id] ?? null);
  const running = g.status === 'running';
  return (
    <li className="engage-item" data-testid="engage-giveaway" data-status={g.status}>
      <div className="engage-item-head">
        <span className={`chip${running ? ' chip--ok' : ''}`}>{t(`engage.mode.${g.kind}`)}</span>
        <strong className="engage-item-title">{g.prize}</strong>
        {running ? (
          <span className="countdown">{formatCountdown(g.endsAt, now)}</span>
        ) : (
          <span className="chip">{t(`engage.giveawayStatus.${g.status}`)}</span>
        )}
      </div>
      <div className="row-sub">
        {g.eligibility.type === 'keyword' ? t('engage.enterByKeyword', { keyword: g.eligibility.keyword }) : t('engage.enterByFollow')} ·{' '}
        {t('engage.entrants', { count: g.entrants })} · {t('engage.winnersOf', { count: g.winnerCount })}
      </div>
      <div className="engage-proof" title={g.commitment}>
        {t('engage.commitment')}: {short(g.commitment)}
      </div>
      {running ? (
        <div className="engage-actions">
          <button
            type="button"
            className="btn btn--primary btn--small"
            disabled={pending}
            onClick={() => engagement.endGiveaway(g.id)}
            data-testid="engage-draw"
          >
            {t('engage.drawNow')}
          </button>
          <button type="button" className="btn btn--ghost btn--small" disabled={pending} onClick={() => engagement.endGiveaway(g.id, true)}>
            {t('engage.cancel')}
          </button>
        </div>
      ) : (
        <>
          <div className="engage-winners" data-testid="engage-winners">
            {g.winners?.length ? (
              g.winners.map((w) => (
                <span key={w.userId} className="chip chip--ok" title={w.userId}>
                  {w.name}
                </span>
              ))
            ) : (
              <span className="hint">{t('engage.noWinners')}</span>
            )}
          </div>
          <div className="engage-proof" title={g.seed ?? ''}>
            {t('engage.seed')}: {short(g.seed)}
          </div>
          <div className="engage-actions">
            <button type="button" className="btn btn--ghost btn--small" onClick={() => engagement.verify(g.id)} data-testid="engage-verify">
              {t('engage.verify')}
            </button>
            {check && <VerifyResult check={check} />}
          </div>
        </>
      )}
    </li>
  );
}

function VerifyResult({ check }: { check: DrawCheck | 'running' | 'failed' }) {
  const { t } = useTranslation();
  if (check === 'running') return <span className="hint">{t('engage.verifying')}</span>;
  if (check === 'failed') return <span className="text-danger">{t('engage.verifyFailed')}</span>;
  const ok = check.commitmentOk && check.entriesOk && check.winnersOk;
  return (
    <span className={ok ? 'text-ok' : 'text-danger'} data-testid="engage-verified">
      {ok ? t('engage.verified') : t('engage.mismatch')}
    </span>
  );
}

function PacketRow({ p, now }: { p: RedPacketView; now: number }) {
  const { t, i18n } = useTranslation();
  const { engagement } = useStudio();
  const pending = useEngage((s) => s.pending[p.id] === true);
  const open = p.status === 'open';
  return (
    <li className="engage-item" data-testid="engage-redpacket" data-status={p.status}>
      <div className="engage-item-head">
        <span className={`chip${open ? ' chip--accent' : ''}`}>{t('engage.mode.redpacket')}</span>
        <strong className="engage-item-title">{formatMoney(p.amountMinor, p.currency, i18n.language)}</strong>
        {open ? (
          <span className="countdown">{formatCountdown(p.endsAt, now)}</span>
        ) : (
          <span className="chip">{t(`engage.packetStatus.${p.status}`)}</span>
        )}
      </div>
      <div className="row-sub">
        {t('engage.claimed', { claimed: p.claimed, count: p.count })} · {formatMoney(p.claimedMinor, p.currency, i18n.language)}
        {p.note ? ` · ${p.note}` : ''}
      </div>
      {open && (
        <div className="engage-actions">
          <button type="button" className="btn btn--ghost btn--small" disabled={pending} onClick={() => engagement.endRedPacket(p.id)}>
            {t('engage.end')}
          </button>
        </div>
      )}
    </li>
  );
}

function CouponRow({ c }: { c: CouponView }) {
  const { t, i18n } = useTranslation();
  const { engagement } = useStudio();
  const pending = useEngage((s) => s.pending[c.id] === true);
  const active = c.status === 'active';
  const value = c.kind === 'amount' ? formatMoney(c.value, c.currency, i18n.language) : `${c.value}%`;
  return (
    <li className="engage-item" data-testid="engage-coupon" data-status={c.status}>
      <div className="engage-item-head">
        <span className={`chip${active ? ' chip--ok' : ''}`}>{t('engage.mode.coupon')}</span>
        <strong className="engage-item-title">
          {c.title} · −{value}
        </strong>
        {!active && <span className="chip">{t('engage.ended')}</span>}
      </div>
      <div className="row-sub">
        {t('engage.couponStats', { claimed: c.claimed, used: c.used })}
        {c.quantity !== null ? ` / ${c.quantity}` : ''}
        {c.minSpendMinor !== null
          ? ` · ${t('engage.minSpendShort', { amount: formatMoney(c.minSpendMinor, c.currency, i18n.language) })}`
          : ''}
      </div>
      {active && (
        <div className="engage-actions">
          <button type="button" className="btn btn--ghost btn--small" disabled={pending} onClick={() => engagement.endCoupon(c.id)}>
            {t('engage.end')}
          </button>
        </div>
      )}
    </li>
  );
}
