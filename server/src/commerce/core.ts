import type { Database } from 'better-sqlite3';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { PaymentProviderName } from '../../../shared/commerce/payments';
import { createHmac } from 'node:crypto';
import { ShowRepository } from '../db/shows';
import { type ParsedPaymentsConfig, PaymentsConfig } from './config';
import { CatalogService } from './domain/catalog';
import { CouponService } from './domain/coupons';
import { CsvService } from './domain/csv';
import { CommerceEvents, type Logger } from './domain/events';
import { OrderService } from './domain/orders';
import { PaymentService } from './domain/payments';
import { SalesService } from './domain/sales';
import { catalogSnapshot, type LocalCatalogReads, sqliteCatalogReads } from './local-reads';
import { MediaStore } from './media';
import { AlipayProvider } from './payments/alipay';
import type { PaymentProvider } from './payments/provider';
import { SandboxProvider } from './payments/sandbox';
import { StripeProvider } from './payments/stripe';
import { WechatPayProvider } from './payments/wechatpay';
import { seedDemoCatalog } from './seed';
import { type BuyerLimits, DEFAULT_BUYER_LIMITS } from './limits';
import { BuyerSessions } from './session';
import { createSqliteStore } from './store/sqlite/index';
import type { CommerceStore } from './store/types';

export interface CommerceOptions {
  /** The node's SQLite database: the commerce store's default engine. */
  db: Database;
  /** Another engine's store (store/postgres); the SQLite database then only serves show lookups. */
  store?: CommerceStore;
  dataDir: string;
  /** Public http(s) base of the server, e.g. http://127.0.0.1:8080 (pay pages, webhook URLs). */
  publicUrl: string;
  studioToken: string;
  /** HMAC key for buyer session cookies (≥ 16 bytes). */
  sessionSecret: Buffer;
  payments: PaymentsConfig;
  clock?: () => number;
  log: Logger;
  /** Called after every committed change (stock.changed, sale.started/ended, order.paid, order.status, product.changed). */
  onEvent?: (evt: CommerceEvent) => void;
  /** Unpaid reservations lapse after this long. Default 15 min. */
  reservationMs?: number;
  /** Unpaid orders holding flash-sale units lapse after this long (at most reservationMs). Default 3 min. */
  flashSaleReservationMs?: number;
  /** Per-client limits on guest sessions, orders and unpaid orders (limits.ts). Default DEFAULT_BUYER_LIMITS. */
  buyerLimits?: BuyerLimits;
  /** Reservation/sale sweeper period; 0 disables the timer (call runMaintenance yourself). Default 5 s. */
  sweepIntervalMs?: number;
  /** Payments pending this long are queried at the provider. Default: payments.reconcileAfterSec (60 s). */
  reconcileAfterMs?: number;
  /** Reconciliation period; 0 disables the timer. Default: the reconciliation delay, at most 60 s. */
  reconcileIntervalMs?: number;
  /** Seed the demo catalog on first run. Default true. */
  seedDemo?: boolean;
}

export interface CommerceCore {
  readonly store: CommerceStore;
  readonly events: CommerceEvents;
  readonly catalog: CatalogService;
  /** Synchronous catalog reads for in-process consumers (on PostgreSQL from a reloaded copy; local-reads.ts). */
  readonly localReads: LocalCatalogReads;
  readonly sales: SalesService;
  readonly orders: OrderService;
  readonly coupons: CouponService;
  readonly payments: PaymentService;
  readonly csv: CsvService;
  readonly media: MediaStore;
  readonly sessions: BuyerSessions;
  readonly limits: BuyerLimits;
  /** The embedded sandbox provider, or null when it is not offered (PAYMENTS_SANDBOX). */
  readonly sandbox: SandboxProvider | null;
  readonly payConfig: ParsedPaymentsConfig;
  readonly clock: () => number;
  readonly log: Logger;
  readonly studioToken: string;
  readonly publicUrl: string;
  /** Expire lapsed reservations, end overdue sales, deliver due sandbox notifications, reconcile stale payments. */
  runMaintenance(): Promise<void>;
  /** Start the periodic jobs (idempotent). */
  start(): void;
  close(): void;
}

/** Build the commerce core (storage, services, providers, jobs) without HTTP. */
export async function createCommerceCore(opts: CommerceOptions): Promise<CommerceCore> {
  const clock = opts.clock ?? Date.now;
  const log = opts.log;
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');
  const payConfig = PaymentsConfig.parse(opts.payments);
  const store = opts.store ?? createSqliteStore(opts.db);
  const events = new CommerceEvents(log, opts.onEvent);
  const media = new MediaStore(opts.dataDir);
  const catalog = new CatalogService(store, media, events, clock);
  const sales = new SalesService(store, events, clock, log);
  const coupons = new CouponService(store, clock);
  const limits = opts.buyerLimits ?? DEFAULT_BUYER_LIMITS;
  const orders = new OrderService(store, events, clock, log, opts.reservationMs ?? 15 * 60_000, coupons, {
    flashSaleReservationMs: opts.flashSaleReservationMs ?? 3 * 60_000,
    maxUnpaidOrders: limits.maxUnpaidOrders,
  });
  const sandboxSecret = payConfig.sandbox.webhookSecret ?? createHmac('sha256', opts.sessionSecret).update('sandbox-webhook').digest('hex');
  const sandbox = payConfig.sandbox.enabled
    ? new SandboxProvider(store, sandboxSecret, publicUrl, clock, log, payConfig.sandbox.toleranceSec)
    : null;
  const providers = new Map<PaymentProviderName, PaymentProvider>(sandbox ? [['sandbox', sandbox]] : []);
  if (payConfig.stripe) providers.set('stripe', new StripeProvider(payConfig.stripe));
  if (payConfig.alipay) providers.set('alipay', new AlipayProvider(payConfig.alipay));
  if (payConfig.wechatpay) providers.set('wechatpay', new WechatPayProvider(payConfig.wechatpay));
  const reconcileAfterMs = opts.reconcileAfterMs ?? payConfig.reconcileAfterSec * 1000;
  const payments = new PaymentService(store, orders, events, providers, clock, log, {
    publicUrl,
    defaultProvider: payConfig.default,
    reconcileAfterMs,
    abandonAfterMs: payConfig.abandonAfterSec * 1000,
  });
  const csv = new CsvService(store, catalog);
  const sessions = new BuyerSessions(opts.sessionSecret, publicUrl.startsWith('https:'));

  await orders.init();
  if (opts.seedDemo ?? true) await seedDemoCatalog(store, catalog, log);
  await sales.resume();
  const shows = new ShowRepository(opts.db);
  const localReads = opts.store
    ? await catalogSnapshot({
        store,
        events,
        clock,
        log,
        showExists: (id) => shows.get(id) !== null,
        activeShows: () => shows.unfinished().map((s) => s.id),
      })
    : sqliteCatalogReads(opts.db, clock);

  const timers: NodeJS.Timeout[] = [];
  let started = false;
  let reconciling = false;
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const n = await orders.expireDue();
      if (n) log.info({ released: n }, 'expired unpaid reservations');
      await sales.endDue();
    } catch (err) {
      log.error({ err }, 'commerce sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const reconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      await payments.reconcile();
    } catch (err) {
      log.error({ err }, 'payment reconciliation failed');
    } finally {
      reconciling = false;
    }
  };

  return {
    store,
    events,
    catalog,
    localReads,
    sales,
    orders,
    coupons,
    payments,
    csv,
    media,
    sessions,
    limits,
    sandbox,
    payConfig,
    clock,
    log,
    studioToken: opts.studioToken,
    publicUrl,
    async runMaintenance() {
      await sweep();
      await sandbox?.deliverDue();
      await reconcile();
    },
    start() {
      if (started) return;
      started = true;
      // Notifications the sandbox owed when the process stopped go out now.
      sandbox?.start();
      const sweepMs = opts.sweepIntervalMs ?? 5_000;
      const reconcileMs = opts.reconcileIntervalMs ?? Math.max(1000, Math.min(60_000, reconcileAfterMs));
      if (sweepMs > 0) timers.push(setInterval(() => void sweep(), sweepMs).unref());
      if (reconcileMs > 0) timers.push(setInterval(() => void reconcile(), reconcileMs).unref());
    },
    close() {
      for (const t of timers.splice(0)) clearInterval(t);
      sandbox?.stop();
      sales.close();
      localReads.close();
    },
  };
}

/**
 * Hands committed commerce events on in the order they were emitted; an `order.status` first gets its order's buyer
 * (read after the commit, so the route is the stored one). `lookup` is called lazily, so it may refer to a core that
 * is still being built.
 */
export function orderedCommercePublisher(
  lookup: (orderId: string) => Promise<{ buyerId: string } | null>,
  publish: (event: CommerceEvent, route: { buyerId: string } | null) => void,
  log: Logger,
): (event: CommerceEvent) => void {
  let chain: Promise<void> = Promise.resolve();
  return (event) => {
    chain = chain
      .then(async () => publish(event, event.type === 'order.status' ? await lookup(event.orderId) : null))
      .catch((err: unknown) => log.error({ err, type: event.type }, 'publishing a commerce event failed'));
  };
}
