import type { IncomingHttpHeaders } from 'node:http';
import type { CommerceEvent } from '../../../../shared/commerce/events';
import type { OrderView } from '../../../../shared/commerce/orders';
import {
  type PaymentAction,
  type PaymentProviderName,
  PayRequest,
  type PayResponse,
  type ProvidersResponse,
} from '../../../../shared/commerce/payments';
import { RefundRequest } from '../../../../shared/commerce/orders';
import { badRequest, badState, CommerceError, notFound, parse } from '../errors';
import { newId } from '../ids';
import { type PaymentProvider, type ProviderEvent, type WebhookReply, WebhookVerificationError } from '../payments/provider';
import type { CommerceStore, CommerceTx, PaymentRecord } from '../store/types';
import type { CommerceEvents, Logger } from './events';
import type { OrderService } from './orders';

export interface PaymentServiceOptions {
  publicUrl: string;
  defaultProvider: PaymentProviderName;
  /** A payment still pending this long is queried at the provider by the reconciliation job. */
  reconcileAfterMs: number;
  /**
   * A payment its provider still reports pending this long after the order's reservation lapsed is given up (failed),
   * which lets the order expire. Until then the pending payment holds the reservation.
   */
  abandonAfterMs: number;
}

interface Applied {
  outcome: string;
  paymentId: string | null;
  /** A payment whose money must go back (late or duplicate payment). */
  refund?: string;
}

const REFUNDABLE = new Set(['paid', 'shipped', 'completed', 'refund_requested']);

/** Outcomes that changed (or confirmed) payment state. Only these consume the event id; the others may be re-evaluated. */
const APPLIED = new Set(['paid', 'payment_failed', 'refunded', 'late_payment_refund', 'already_applied']);

/**
 * Payments: one pending row is written before any provider call; provider calls run outside transactions; every
 * verified notification is recorded once (provider, event id) and applied to payment + order in the same transaction.
 */
export class PaymentService {
  constructor(
    private readonly store: CommerceStore,
    private readonly orders: OrderService,
    private readonly events: CommerceEvents,
    private readonly providers: ReadonlyMap<PaymentProviderName, PaymentProvider>,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly opts: PaymentServiceOptions,
  ) {
    if (!providers.has(opts.defaultProvider)) throw new Error(`default payment provider ${opts.defaultProvider} is not configured`);
  }

  enabled(): ProvidersResponse {
    return { providers: [...this.providers.keys()], default: this.opts.defaultProvider };
  }

  provider(name: string): PaymentProvider | undefined {
    return this.providers.get(name as PaymentProviderName);
  }

  notifyUrl(provider: PaymentProviderName): string {
    return `${this.opts.publicUrl}/api/payments/webhook/${provider}`;
  }

  // ---------------------------------------------------------------- buyer starts a payment

  async pay(buyerId: string, orderId: string, raw: unknown): Promise<PayResponse> {
    const req = parse(PayRequest, raw ?? {}, 'payment request');
    const name = req.provider ?? this.opts.defaultProvider;
    const provider = this.providers.get(name);
    if (!provider) throw badRequest(`payment provider ${name} is not enabled`, 'PROVIDER_DISABLED');
    const order = await this.orders.load(orderId);
    if (!order || order.buyerId !== buyerId) throw notFound('order');
    if (order.status === 'cancelled' && order.cancelledAt !== null && order.expiresAt <= this.clock()) {
      throw badState('the reservation expired; place the order again', 'ORDER_EXPIRED');
    }
    if (order.status !== 'pending_payment') throw badState(`order is ${order.status}`, 'INVALID_TRANSITION');
    const now = this.clock();
    // Lapsed but held by a payment in flight: that payment settles it; a new one would not be covered by the reservation.
    if (order.expiresAt <= now) throw badState('the reservation expired; place the order again', 'ORDER_EXPIRED');
    const prepared = await this.store.transaction(async (tx) => {
      const reuse = (await tx.payments.listForOrder(orderId)).find(
        (p) => p.provider === name && p.status === 'pending' && p.action !== null,
      );
      if (reuse) return { payment: reuse, fresh: false };
      const payment: PaymentRecord = {
        id: newId('pay'),
        orderId,
        provider: name,
        providerRef: null,
        status: 'pending',
        amount: order.total,
        currency: order.currency,
        action: null,
        refundRef: null,
        failure: null,
        createdAt: now,
        updatedAt: now,
      };
      await tx.payments.insert(payment);
      return { payment, fresh: true };
    });
    let payment = prepared.payment;
    if (prepared.fresh) {
      try {
        const items = await this.store.orders.getItems(orderId);
        const created = await provider.createPayment({
          paymentId: payment.id,
          orderId,
          amountMinor: payment.amount,
          currency: payment.currency,
          description: items.map((i) => (i.qty > 1 ? `${i.title} ×${i.qty}` : i.title)).join(', ') || orderId,
          notifyUrl: this.notifyUrl(name),
          returnUrl: `${this.opts.publicUrl}/pay/return/${orderId}`,
          expiresAt: order.expiresAt,
        });
        payment = { ...payment, providerRef: created.providerRef, action: JSON.stringify(created.action), updatedAt: this.clock() };
        await this.store.payments.update(payment);
      } catch (err) {
        this.log.warn({ err, paymentId: payment.id, provider: name }, 'creating payment failed');
        const failed = {
          ...payment,
          status: 'failed' as const,
          failure: String((err as Error).message).slice(0, 500),
          updatedAt: this.clock(),
        };
        await this.store.payments.update(failed);
        throw new CommerceError('INTERNAL', `payment provider ${name} is unavailable`, 'PROVIDER_ERROR', undefined, 502);
      }
    }
    return {
      paymentId: payment.id,
      orderId,
      provider: name,
      status: payment.status,
      amountMinor: payment.amount,
      currency: payment.currency,
      action: JSON.parse(payment.action!) as PaymentAction,
      createdAt: payment.createdAt,
    };
  }

  // ---------------------------------------------------------------- provider notifications

  async handleWebhook(name: string, rawBody: Buffer, headers: IncomingHttpHeaders): Promise<WebhookReply & { outcome: string }> {
    const provider = this.providers.get(name as PaymentProviderName);
    if (!provider) throw notFound('payment provider');
    let evt: ProviderEvent;
    try {
      evt = provider.verifyWebhook(rawBody, headers, this.clock());
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      this.log.warn({ provider: name, reason: err.message }, 'webhook rejected');
      return { ...provider.reject(err.stale ? 400 : 401, err.message), outcome: err.stale ? 'stale' : 'invalid' };
    }
    const applied = await this.apply(provider.name, evt, rawBody.toString('utf8'));
    this.log.info(
      { provider: name, eventId: evt.eventId, type: evt.type, outcome: applied.outcome, paymentId: applied.paymentId },
      'webhook',
    );
    if (applied.refund) this.refundInBackground(applied.refund, 'payment arrived for an order that can no longer be fulfilled');
    return { ...provider.ack(), outcome: applied.outcome };
  }

  /** Record the event once and apply it to payment + order in one transaction. */
  async apply(provider: PaymentProviderName, evt: ProviderEvent, payload: string): Promise<Applied> {
    const now = this.clock();
    const evts: CommerceEvent[] = [];
    const result = await this.store.transaction(async (tx): Promise<Applied> => {
      const fresh = await tx.webhooks.record({
        provider,
        eventId: evt.eventId,
        type: evt.type,
        paymentId: null,
        outcome: 'received',
        receivedAt: now,
        payload: payload.slice(0, 16_000),
      });
      if (!fresh) return { outcome: 'duplicate', paymentId: null };
      const r = await this.applyInTx(tx, provider, evt, evts);
      await tx.webhooks.setOutcome(provider, evt.eventId, r.outcome, r.paymentId, APPLIED.has(r.outcome));
      return r;
    });
    this.events.emitAll(evts);
    return result;
  }

  private async applyInTx(tx: CommerceTx, provider: PaymentProviderName, evt: ProviderEvent, evts: CommerceEvent[]): Promise<Applied> {
    if (evt.kind === 'ignored') return { outcome: 'ignored', paymentId: null };
    let p = evt.paymentId ? await tx.payments.get(evt.paymentId) : null;
    if (p && p.provider !== provider) p = null;
    if (!p && evt.providerRef) p = await tx.payments.getByProviderRef(provider, evt.providerRef);
    if (!p) return { outcome: 'unknown_payment', paymentId: null };
    if ((evt.amountMinor !== undefined && evt.amountMinor !== p.amount) || (evt.currency !== undefined && evt.currency !== p.currency)) {
      this.log.error({ paymentId: p.id, evt }, 'provider amount does not match the payment');
      return { outcome: 'amount_mismatch', paymentId: p.id };
    }
    const now = this.clock();
    switch (evt.kind) {
      case 'payment.succeeded':
        return this.markPaid(tx, p, now, evts);
      case 'payment.failed':
        if (p.status !== 'pending') return { outcome: `ignored_${p.status}`, paymentId: p.id };
        await tx.payments.update({ ...p, status: 'failed', failure: evt.type, updatedAt: now });
        // The reservation may have lapsed while this payment held it: now it can go.
        await this.orders.expireInTx(tx, p.orderId, evts);
        return { outcome: 'payment_failed', paymentId: p.id };
      case 'refund.succeeded':
        if (p.status !== 'refund_pending' && p.status !== 'succeeded') return { outcome: `ignored_${p.status}`, paymentId: p.id };
        await this.finishRefund(tx, p, p.refundRef ?? evt.eventId, evts);
        return { outcome: 'refunded', paymentId: p.id };
    }
  }

  private async markPaid(tx: CommerceTx, p: PaymentRecord, now: number, evts: CommerceEvent[]): Promise<Applied> {
    if (p.status !== 'pending' && p.status !== 'failed') return { outcome: 'already_applied', paymentId: p.id };
    await tx.payments.update({ ...p, status: 'succeeded', failure: null, updatedAt: now });
    const o = (await tx.orders.getOrder(p.orderId))!;
    // Still pending_payment means its units are still reserved (a pending payment holds a lapsed reservation), so it
    // can be paid even after expiresAt.
    if (o.status === 'pending_payment') {
      const paid = await this.orders.move(tx, o, 'paid', 'provider', `paid via ${p.provider} (${p.id})`, { paidAt: now }, evts);
      evts.push(await this.orders.paidEvent(tx, paid, now));
      return { outcome: 'paid', paymentId: p.id };
    }
    // Paid after expiry/cancellation, or a second payment for a paid order: keep the record, give the money back.
    if (o.status === 'cancelled') {
      await this.orders.move(
        tx,
        o,
        'refund_requested',
        'system',
        `payment ${p.id} arrived after the order was cancelled; refunding`,
        {},
        evts,
      );
    } else {
      await tx.orders.appendEvent({
        orderId: o.id,
        from: o.status,
        to: o.status,
        at: now,
        actor: 'system',
        note: `duplicate payment ${p.id}; refunding it`,
      });
    }
    await tx.payments.update({ ...p, status: 'refund_pending', failure: null, updatedAt: now });
    return { outcome: 'late_payment_refund', paymentId: p.id, refund: p.id };
  }

  /** Payment refunded: close it, and the order once none of its payments waits for a refund. */
  private async finishRefund(tx: CommerceTx, p: PaymentRecord, refundRef: string, evts: CommerceEvent[]): Promise<void> {
    const now = this.clock();
    await tx.payments.update({ ...p, status: 'refunded', refundRef, updatedAt: now });
    const o = (await tx.orders.getOrder(p.orderId))!;
    const waiting = (await tx.payments.listForOrder(o.id)).some((x) => x.status === 'refund_pending');
    if (o.status === 'refund_requested' && !waiting)
      await this.orders.move(tx, o, 'refunded', 'system', `refund ${refundRef}`, { refundedAt: now }, evts);
  }

  // ---------------------------------------------------------------- refunds

  /** Studio refund: order → refund_requested (restocking if asked), then the provider refund outside the transaction. */
  async refundOrder(orderId: string, raw: unknown): Promise<OrderView> {
    const req = parse(RefundRequest, raw, 'refund');
    const evts: CommerceEvent[] = [];
    const toRefund = await this.store.transaction(async (tx) => {
      const o = await tx.orders.getOrder(orderId);
      if (!o) throw notFound('order');
      if (!REFUNDABLE.has(o.status)) throw badState(`order is ${o.status}; only paid orders can be refunded`, 'INVALID_TRANSITION');
      const restock = req.restock ?? o.shippedAt === null;
      const cur = o.status === 'refund_requested' ? o : await this.orders.move(tx, o, 'refund_requested', 'studio', req.reason, {}, evts);
      if (restock) await this.orders.restock(tx, o.id, evts);
      const payments = await tx.payments.listForOrder(o.id);
      const captured = payments.filter((p) => p.status === 'succeeded' || p.status === 'refund_pending');
      for (const p of captured) {
        if (p.status === 'succeeded') await tx.payments.update({ ...p, status: 'refund_pending', updatedAt: this.clock() });
      }
      if (!captured.length)
        await this.orders.move(tx, cur, 'refunded', 'studio', 'no captured payment to return', { refundedAt: this.clock() }, evts);
      return captured.map((p) => p.id);
    });
    this.events.emitAll(evts);
    for (const id of toRefund) await this.executeRefund(id, req.reason);
    return this.orders.detail(orderId);
  }

  private refundInBackground(paymentId: string, reason: string): void {
    this.executeRefund(paymentId, reason).catch((err) => this.log.error({ err, paymentId }, 'refund failed; reconciliation will retry'));
  }

  /** Ask the provider to return a refund_pending payment. */
  async executeRefund(paymentId: string, reason: string): Promise<void> {
    const p = await this.store.payments.get(paymentId);
    if (p?.status !== 'refund_pending') return;
    const provider = this.providers.get(p.provider);
    if (!provider || !p.providerRef)
      throw new CommerceError('INTERNAL', `cannot refund via ${p.provider}`, 'PROVIDER_DISABLED', undefined, 502);
    let result: Awaited<ReturnType<PaymentProvider['refund']>>;
    try {
      result = await provider.refund({
        paymentId: p.id,
        providerRef: p.providerRef,
        amountMinor: p.amount,
        currency: p.currency,
        reason,
        notifyUrl: this.notifyUrl(p.provider),
      });
    } catch (err) {
      this.log.warn({ err, paymentId }, 'provider refund failed');
      await this.store.transaction(async (tx) => {
        const cur = (await tx.payments.get(paymentId))!;
        await tx.payments.update({ ...cur, failure: `refund: ${(err as Error).message}`.slice(0, 500), updatedAt: this.clock() });
      });
      throw new CommerceError(
        'INTERNAL',
        'the payment provider did not accept the refund; it will be retried',
        'PROVIDER_ERROR',
        undefined,
        502,
      );
    }
    const evts: CommerceEvent[] = [];
    await this.store.transaction(async (tx) => {
      const cur = (await tx.payments.get(paymentId))!;
      if (cur.status !== 'refund_pending') return;
      if (result.status === 'succeeded') await this.finishRefund(tx, cur, result.refundRef, evts);
      else await tx.payments.update({ ...cur, refundRef: result.refundRef, updatedAt: this.clock() });
    });
    this.events.emitAll(evts);
  }

  // ---------------------------------------------------------------- reconciliation

  /**
   * Query payments left pending (lost webhooks) and retry unfinished refunds. A pending payment whose order's
   * reservation lapsed is given up only when its provider says it failed, or still says pending `abandonAfterMs` after
   * the lapse; an unreachable provider keeps holding it (the payment may have gone through).
   */
  async reconcile(): Promise<{ checked: number }> {
    const stale = await this.store.payments.listStale(this.clock() - this.opts.reconcileAfterMs, 50);
    for (const p of stale) {
      const provider = this.providers.get(p.provider);
      const touch = () =>
        this.store.transaction(async (tx) => {
          const cur = (await tx.payments.get(p.id))!;
          await tx.payments.update({ ...cur, updatedAt: this.clock() });
        });
      try {
        if (p.status === 'pending') await this.reconcilePending(p, provider, touch);
        else if (p.status === 'refund_pending' && provider) {
          if (!p.refundRef) await this.executeRefund(p.id, 'retry');
          else {
            const state = await provider.queryPayment(p.providerRef!);
            if (state.status === 'refunded') {
              await this.apply(
                p.provider,
                { eventId: `reconcile:${p.id}:refunded`, type: 'reconcile', kind: 'refund.succeeded', paymentId: p.id },
                '{}',
              );
            } else await touch();
          }
        } else await touch();
      } catch (err) {
        this.log.warn({ err, paymentId: p.id }, 'reconciliation step failed');
        await touch();
      }
    }
    return { checked: stale.length };
  }

  private async reconcilePending(p: PaymentRecord, provider: PaymentProvider | undefined, touch: () => Promise<void>): Promise<void> {
    if (!p.providerRef) {
      // The process stopped between recording the payment and the provider's answer; a webhook can still revive it.
      await this.apply(
        p.provider,
        { eventId: `reconcile:${p.id}:incomplete`, type: 'provider call never completed', kind: 'payment.failed', paymentId: p.id },
        '{}',
      );
      return;
    }
    const base = { paymentId: p.id, providerRef: p.providerRef, type: 'reconcile' };
    // A provider no longer configured cannot be asked: like one that does not know the payment.
    const state = provider ? await provider.queryPayment(p.providerRef) : { status: 'pending' as const };
    const amount = state.amountMinor !== undefined ? { amountMinor: state.amountMinor, currency: state.currency ?? p.currency } : {};
    if (state.status === 'succeeded' || state.status === 'refunded') {
      const r = await this.apply(
        p.provider,
        { ...base, ...amount, eventId: `reconcile:${p.id}:succeeded`, kind: 'payment.succeeded' },
        '{}',
      );
      if (r.refund) await this.executeRefund(r.refund, 'late payment found by reconciliation');
    } else if (state.status === 'failed') {
      await this.apply(p.provider, { ...base, ...amount, eventId: `reconcile:${p.id}:failed`, kind: 'payment.failed' }, '{}');
    } else {
      const order = await this.store.orders.getOrder(p.orderId);
      const abandoned = order?.status === 'pending_payment' && order.expiresAt + this.opts.abandonAfterMs <= this.clock();
      if (!abandoned) return touch();
      this.log.info({ paymentId: p.id, orderId: p.orderId }, 'payment still pending long after the reservation lapsed; giving it up');
      await this.apply(p.provider, { ...base, type: 'abandoned', eventId: `reconcile:${p.id}:abandoned`, kind: 'payment.failed' }, '{}');
    }
  }
}
