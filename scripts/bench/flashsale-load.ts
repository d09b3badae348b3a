/**
 * Load generator for the flash-sale bench (runs in its own process: `forkFlashSaleLoad`, used by flashsale.ts and by
 * events.ts, which runs the same attempt loop next to its viewer-event load).
 * Creates guest sessions over HTTP, then drives POST /api/orders with autocannon: every request is a fresh checkout
 * (unique idempotency key) by a random buyer for the hot SKU. It tells its parent when the attempts start.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface FlashSaleJob {
  url: string;
  skuId: string;
  buyers: number;
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  status2xx: number;
  status409: number;
  /** Refused by the per-client buyer limits (only when the bench sets them). */
  status429: number;
  statusOther: number;
  errors: number;
  timeouts: number;
}

async function sessions(url: string, n: number): Promise<string[]> {
  const cookies: string[] = [];
  const worker = async () => {
    while (cookies.length < n) {
      const res = await fetch(`${url}/api/session`, { method: 'POST' });
      await res.arrayBuffer();
      const c = res.headers.get('set-cookie');
      if (!c) throw new Error(`no session cookie (${res.status}; per-address session limit set too low for BENCH_BUYERS?)`);
      cookies.push(c.split(';')[0]!);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return cookies.slice(0, n);
}

async function run(job: FlashSaleJob): Promise<LoadResult> {
  const cookies = await sessions(job.url, job.buyers);
  const contacts = cookies.map((_, i) => ({
    name: `买家${i}`,
    phone: `13${(800000000 + i).toString().slice(-9)}`,
    address: `浙江省杭州市西湖区文三路 ${i + 1} 号`,
  }));
  // Pre-build each buyer's headers and body around the idempotency key so a request costs one string concat.
  const prefix = `b${process.pid.toString(36)}`;
  const perBuyer = cookies.map((cookie, i) => {
    const body = JSON.stringify({ idempotencyKey: '@KEY@', items: [{ skuId: job.skuId, qty: 1 }], contact: contacts[i] });
    const [head, tail] = body.split('@KEY@') as [string, string];
    return { headers: { 'content-type': 'application/json', cookie }, head: `${head}${prefix}-`, tail };
  });
  let seq = 0;
  process.send?.({ started: true });
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/api/orders',
        setupRequest: (req) => {
          const b = perBuyer[Math.floor(Math.random() * perBuyer.length)]!;
          return { ...req, headers: b.headers, body: `${b.head}${(seq++).toString(36)}-x${b.tail}` };
        },
      },
    ],
  });
  const codes = result.statusCodeStats as Record<string, { count: number } | undefined>;
  const count = (c: string) => codes[c]?.count ?? 0;
  const s2xx = count('200') + count('201');
  const s409 = count('409');
  const s429 = count('429');
  const total = Object.values(codes).reduce((n, v) => n + (v?.count ?? 0), 0);
  return {
    requests: result.requests.total,
    durationSec: result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    status2xx: s2xx,
    status409: s409,
    status429: s429,
    statusOther: total - s2xx - s409 - s429,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

type Message = { started: true } | { ok: true; result: LoadResult } | { ok: false; error: string };

/** Run the attempt loop in a child process; `onStart` runs when its sessions exist and the attempts begin. */
export function forkFlashSaleLoad(job: FlashSaleJob, onStart: () => void = () => {}): Promise<LoadResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<LoadResult>((resolve, reject) => {
    child.on('message', (m: Message) => {
      if ('started' in m) onStart();
      else if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`flash-sale load generator exited with ${code}`)));
    child.send(job);
  });
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (job: FlashSaleJob) => {
    run(job).then(
      (r) => process.send!({ ok: true, result: r }, () => process.exit(0)),
      (err: unknown) => process.send!({ ok: false, error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
    );
  });
}
