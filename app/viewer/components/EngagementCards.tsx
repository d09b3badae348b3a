/**
 * Engagement cards over the video (top left): the running lucky bag / danmaku lottery with its commitment, countdown
 * and how to enter; red packets with a Grab button and the result; live coupons with Claim; finished draws with the
 * winners, the revealed seed and a Verify button that re-runs the shared draw in the browser.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CouponView } from '../../../shared/commerce/coupons';
import type { GiveawayView, RedPacketView } from '../../../shared/protocol/engagement';
import { orderedGiveaways } from '../../ui/engagement/state';
import { useEngagement, useEngagementContext } from '../engagement/context';
import { formatMoney } from '../format';
import { formatCountdown } from '../shop/countdown';
import { useServerNow } from '../shop/hooks';
import './engagement.css';

const short = (hex: string | null) => (hex ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : '');

export function EngagementCards() {
  const ctx = useEngagementContext();
  const giveaways = useEngagement((s) => s.giveaways);
  const packets = useEngagement((s) => s.redPackets);
  const coupons = useEngagement((s) => s.coupons);
  const now = useServerNow(true);
  const [dismissed, setDismissed] = useState<Record<string, boolean>>({});
  if (!ctx) return null;
  // Running items, plus finished draws for a while (results stay readable ~2 minutes, or until closed).
  const draws = orderedGiveaways(giveaways).filter((g) => !dismissed[g.id] && (g.status === 'running' || now - (g.drawnAt ?? 0) < 120_000));
  const openPackets = packets.filter((p) => !dismissed[p.id] && (p.status === 'open' || now - p.createdAt < 60_000));
  const liveCoupons = coupons.filter((c) => c.status === 'active' && !dismissed[c.id]);
  if (!draws.length && !openPackets.length && !liveCoupons.length) return null;
  const close = (id: string) => setDismissed((d) => ({ ...d, [id]: true }));
  return (
    <aside className="engage-cards" aria-live="polite" data-testid="engage-cards">
      {openPackets.slice(0, 2).map((p) => (
        <PacketCard key={p.id} p={p} now={now} onClose={() => close(p.id)} />
      ))}
      {draws
        .slice(0, 2)
        .map((g) =>
          g.status === 'running' ? <DrawCard key={g.id} g={g} now={now} /> : <ResultCard key={g.id} g={g} onClose={() => close(g.id)} />,
        )}
      {liveCoupons.slice(0, 2).map((c) => (
        <CouponCard key={c.id} c={c} />
      ))}
    </aside>
  );
}

function CloseButton({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="engage-close" aria-label={t('engage.close')} onClick={onClose}>
      ×
    </button>
  );
}

function DrawCard({ g, now }: { g: GiveawayView; now: number }) {
  const { t } = useTranslation();
  const ctl = useEngagementContext()!.ctl;
  const entered = useEngagement((s) => s.entered.includes(g.id));
  const pending = useEngagement((s) => s.pending[g.id] === true);
  const error = useEngagement((s) => s.errors[g.id] ?? null);
  const keyword = g.eligibility.type === 'keyword' ? g.eligibility.keyword : null;
  return (
    <div className="engage-card engage-card--draw" data-testid="engage-draw-card">
      <div className="engage-card-head">
        <span className="engage-badge">{t(`engage.kind.${g.kind}`)}</span>
        <time className="engage-countdown">{formatCountdown(Math.max(0, g.endsAt - now))}</time>
      </div>
      <div className="engage-prize">{g.prize}</div>
      <div className="engage-sub">
        {t('engage.winnersOf', { count: g.winnerCount })} · {t('engage.entrants', { count: g.entrants })}
      </div>
      {entered ? (
        <div className="engage-ok">{t('engage.entered')}</div>
      ) : keyword !== null ? (
        <button
          type="button"
          className="engage-btn"
          disabled={pending}
          onClick={() => void ctl.sendKeyword(g.id, keyword)}
          data-testid="engage-send-keyword"
        >
          {t('engage.sendKeyword', { keyword })}
        </button>
      ) : (
        <button type="button" className="engage-btn" disabled={pending} onClick={() => void ctl.follow(g.id)}>
          {t('engage.followToEnter')}
        </button>
      )}
      {error && <div className="engage-error">{t(`engage.errors.${error}`, { defaultValue: t('engage.errors.generic') })}</div>}
      <div className="engage-proof" title={g.commitment}>
        {t('engage.commitment')} {short(g.commitment)}
      </div>
    </div>
  );
}

function ResultCard({ g, onClose }: { g: GiveawayView; onClose: () => void }) {
  const { t } = useTranslation();
  const ctl = useEngagementContext()!.ctl;
  const userId = useEngagement((s) => s.userId);
  const check = useEngagement((s) => s.checks[g.id] ?? null);
  const won = userId !== null && (g.winners ?? []).some((w) => w.userId === userId);
  const ok = check && typeof check === 'object' ? check.commitmentOk && check.entriesOk && check.winnersOk : null;
  return (
    <div className={`engage-card engage-card--result${won ? ' engage-card--won' : ''}`} data-testid="engage-result-card">
      <CloseButton onClose={onClose} />
      <div className="engage-card-head">
        <span className="engage-badge">{t(`engage.kind.${g.kind}`)}</span>
        <span className="engage-sub">{g.status === 'cancelled' ? t('engage.cancelled') : t('engage.drawn')}</span>
      </div>
      <div className="engage-prize">{g.prize}</div>
      {won && <div className="engage-won">{t('engage.youWon')}</div>}
      <div className="engage-winners">
        {g.winners?.length ? (
          g.winners.map((w) => <span key={w.userId}>{w.name}</span>)
        ) : (
          <span className="engage-sub">{t('engage.noWinners')}</span>
        )}
      </div>
      <div className="engage-proof" title={g.seed ?? ''}>
        {t('engage.seed')} {short(g.seed)}
      </div>
      <div className="engage-verify">
        <button
          type="button"
          className="engage-link"
          onClick={() => void ctl.verify(g.id)}
          disabled={check === 'running'}
          data-testid="engage-verify"
        >
          {t('engage.verify')}
        </button>
        {check === 'running' && <span className="engage-sub">{t('engage.verifying')}</span>}
        {check === 'failed' && <span className="engage-error">{t('engage.verifyFailed')}</span>}
        {ok !== null && (
          <span className={ok ? 'engage-ok' : 'engage-error'} data-testid="engage-verified">
            {ok ? t('engage.verified') : t('engage.mismatch')}
          </span>
        )}
      </div>
    </div>
  );
}

function PacketCard({ p, now, onClose }: { p: RedPacketView; now: number; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const ctl = useEngagementContext()!.ctl;
  const result = useEngagement((s) => s.packetResults[p.id] ?? null);
  const pending = useEngagement((s) => s.pending[p.id] === true);
  const error = useEngagement((s) => s.errors[p.id] ?? null);
  const open = p.status === 'open' && p.endsAt > now;
  return (
    <div className="engage-card engage-card--packet" data-testid="engage-packet-card">
      {!open && <CloseButton onClose={onClose} />}
      <div className="engage-card-head">
        <span className="engage-badge engage-badge--gold">{t('engage.redPacket')}</span>
        <span className="engage-sub">{t('engage.sharesLeft', { left: p.count - p.claimed, count: p.count })}</span>
      </div>
      {p.note && <div className="engage-sub">{p.note}</div>}
      {result?.outcome === 'won' ? (
        <div className="engage-won" data-testid="engage-packet-won">
          {t('engage.youGot', { amount: formatMoney(result.amountMinor ?? 0, result.currency ?? p.currency, i18n.language) })}
        </div>
      ) : result?.outcome === 'empty' || !open ? (
        <div className="engage-sub" data-testid="engage-packet-empty">
          {t('engage.packetGone')}
        </div>
      ) : (
        <button
          type="button"
          className="engage-btn engage-btn--gold"
          disabled={pending}
          onClick={() => void ctl.grab(p.id)}
          data-testid="engage-grab"
        >
          {pending ? t('engage.grabbing') : t('engage.grab')}
        </button>
      )}
      {error && <div className="engage-error">{t(`engage.errors.${error}`, { defaultValue: t('engage.errors.generic') })}</div>}
    </div>
  );
}

function CouponCard({ c }: { c: CouponView }) {
  const { t, i18n } = useTranslation();
  const ctl = useEngagementContext()!.ctl;
  const claimed = useEngagement((s) => s.claimedCoupons.includes(c.id));
  const pending = useEngagement((s) => s.pending[c.id] === true);
  const error = useEngagement((s) => s.errors[c.id] ?? null);
  const value = c.kind === 'amount' ? formatMoney(c.value, c.currency, i18n.language) : t('engage.percentOff', { percent: c.value });
  const gone = c.quantity !== null && c.claimed >= c.quantity;
  return (
    <div className="engage-card engage-card--coupon" data-testid="engage-coupon-card">
      <div className="engage-card-head">
        <span className="engage-badge">{t('engage.coupon')}</span>
        <strong className="engage-coupon-value">−{value}</strong>
      </div>
      <div className="engage-prize">{c.title}</div>
      <div className="engage-sub">
        {c.minSpendMinor !== null
          ? t('engage.minSpend', { amount: formatMoney(c.minSpendMinor, c.currency, i18n.language) })
          : t('engage.noMinSpend')}{' '}
        · {t('engage.liveOnly')}
      </div>
      {claimed ? (
        <div className="engage-ok" data-testid="engage-coupon-claimed">
          {t('engage.claimedUseAtCheckout')}
        </div>
      ) : (
        <button
          type="button"
          className="engage-btn"
          disabled={pending || gone}
          onClick={() => void ctl.claimCoupon(c.id)}
          data-testid="engage-claim-coupon"
        >
          {gone ? t('engage.allClaimed') : t('engage.claim')}
        </button>
      )}
      {error && <div className="engage-error">{t(`engage.errors.${error}`, { defaultValue: t('engage.errors.generic') })}</div>}
    </div>
  );
}
