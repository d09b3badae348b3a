/**
 * Flash-sale bench: the commerce plugin on fastify (logger off) in this process, a real SQLite file in WAL mode, and
 * autocannon in a forked process hammering one hot SKU with limited stock. Prints a JSON summary as the LAST stdout line:
 *   {"bench":"flashsale","attempts_per_s":…,"p50_ms":…,"p99_ms":…,"sold":…,"stock":…,"oversold":…}
 * Knobs (env): BENCH_STOCK (20000), BENCH_BUYERS (5000), BENCH_CONNECTIONS (64), BENCH_DURATION (10 s), BENCH_LIMIT (5 per buyer).
 * Per-client buyer limits: every bench buyer comes from 127.0.0.1 and holds up to BENCH_LIMIT unpaid orders, so the
 * server's anti-hoarding limits are LIFTED here (0 = unlimited) unless set with the server's own keys:
 * SESSIONS_PER_IP_PER_MINUTE, ORDERS_PER_IP_PER_MINUTE, ORDERS_PER_SESSION_PER_MINUTE, MAX_UNPAID_ORDERS (e.g. set them
 * to the production values to measure a refusing server; refusals count as 429s). FLASH_SALE_RESERVATION_SECONDS too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { openDatabase } from '../../server/src/db/database';
import { commercePlugin, createCommerceCore } from '../../server/src/commerce/index';
import { forkFlashSaleLoad } from './flashsale-load';
import { freePort, quiet } from './lib/local';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const STOCK = env('BENCH_STOCK', 20_000);
const BUYERS = env('BENCH_BUYERS', 5_000);
const CONNECTIONS = env('BENCH_CONNECTIONS', 64);
const DURATION = env('BENCH_DURATION', 10);
const LIMIT = env('BENCH_LIMIT', 5);
const BUYER_LIMITS = {
  sessionsPerIpPerMinute: env('SESSIONS_PER_IP_PER_MINUTE', 0),
  ordersPerIpPerMinute: env('ORDERS_PER_IP_PER_MINUTE', 0),
  ordersPerSessionPerMinute: env('ORDERS_PER_SESSION_PER_MINUTE', 0),
  maxUnpaidOrders: env('MAX_UNPAID_ORDERS', 0),
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-flash-'));
  const db = openDatabase(join(dataDir, 'bench.sqlite'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const studioToken = randomBytes(24).toString('base64url');
  let minStock = Number.POSITIVE_INFINITY;
  let startedAt = 0;
  let soldOutAt = 0;
  const core = await createCommerceCore({
    db,
    dataDir,
    publicUrl: url,
    studioToken,
    sessionSecret: randomBytes(32),
    payments: { default: 'sandbox' },
    log: quiet,
    seedDemo: false,
    buyerLimits: BUYER_LIMITS,
    ...(process.env.FLASH_SALE_RESERVATION_SECONDS ? { flashSaleReservationMs: env('FLASH_SALE_RESERVATION_SECONDS', 180) * 1000 } : {}),
    onEvent: (e) => {
      if (e.type !== 'stock.changed') return;
      minStock = Math.min(minStock, e.stock);
      if (!startedAt) startedAt = performance.now();
      if (e.stock === 0 && !soldOutAt) soldOutAt = performance.now();
    },
  });
  const app = Fastify({ logger: false });
  await app.register(commercePlugin, { core });
  await app.listen({ port, host: '127.0.0.1' });

  const product = await core.catalog.create({
    title: '限量联名球鞋',
    currency: 'CNY',
    defaults: { listPriceMinor: 129900, livePriceMinor: 99900, stock: STOCK },
    perBuyerLimit: LIMIT,
  });
  const skuId = product.skus[0]!.id;
  const sale = await core.sales.start({ skuId, durationSec: 300, salePriceMinor: 59900, cap: STOCK, perBuyerLimit: LIMIT });

  const load = await forkFlashSaleLoad({ url, skuId, buyers: BUYERS, connections: CONNECTIONS, durationSec: DURATION });

  // Ground truth from the database, not from the HTTP replies.
  const sold = (
    db
      .prepare(
        `SELECT COALESCE(SUM(i.qty), 0) AS n FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.sku_id = ? AND o.status != 'cancelled'`,
      )
      .get(skuId) as { n: number }
  ).n;
  const stock = (await core.store.inventory.getSku(skuId))!.stock;
  const saleRemaining = (await core.store.inventory.getSale(sale.id))!.remaining;
  const overLimit = (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM (SELECT o.buyer_id, SUM(i.qty) AS q FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.buyer_id HAVING q > ?)`,
      )
      .get(LIMIT) as { n: number }
  ).n;
  const negative = stock < 0 || saleRemaining < 0 || minStock < 0;
  const oversold = Math.max(0, sold - STOCK) + (negative ? 1 : 0) + (sold + stock !== STOCK ? 1 : 0);

  await app.close();
  core.close();
  db.close();
  rmSync(dataDir, { recursive: true, force: true });

  const attemptsPerS = Math.round(load.requests / load.durationSec);
  const selloutS = soldOutAt ? (soldOutAt - startedAt) / 1000 : null;
  console.log(
    `flashsale: ${load.requests} attempts in ${load.durationSec}s by ${CONNECTIONS} connections / ${BUYERS} buyers; ` +
      `2xx ${load.status2xx}, 409 ${load.status409}, 429 ${load.status429}, other ${load.statusOther}, errors ${load.errors}, ` +
      `timeouts ${load.timeouts}; buyer limits ${JSON.stringify(BUYER_LIMITS)}`,
  );
  console.log(
    `latency ms: p50 ${load.p50}, p90 ${load.p90}, p99 ${load.p99}, max ${load.max}; sold ${sold}/${STOCK}, stock ${stock}, ` +
      `sale remaining ${saleRemaining}, buyers over limit ${overLimit}, orders==2xx ${sold === load.status2xx}; ` +
      (selloutS ? `sold out after ${selloutS.toFixed(2)}s (${Math.round(sold / selloutS)} orders/s)` : 'not sold out'),
  );
  console.log(
    JSON.stringify({
      bench: 'flashsale',
      attempts_per_s: attemptsPerS,
      p50_ms: load.p50,
      p99_ms: load.p99,
      sold,
      stock,
      oversold,
      sellout_s: selloutS === null ? null : Number(selloutS.toFixed(2)),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
