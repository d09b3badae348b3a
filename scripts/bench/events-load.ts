/**
 * Load generators of the events bench (each in its own process, forked by events.ts):
 * - `events`: many anonymous viewer devices, each first given its signed viewer cookie by one batch, then autocannon
 *   posting full batches (`maxEventsPerBatch` events: alive, impressions, clicks of the show's products) to
 *   POST /api/events, each batch a new batch id of a random device, at a fixed offered rate or as fast as answered.
 * - `probe`: a viewer API call (GET) made over and over by a few sequential callers; each call's latency is kept.
 * Both prepare first, say `ready`, and start on `go`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ANALYTICS_LIMITS } from '../../shared/analytics/events';

export interface EventsJob {
  mode: 'events';
  url: string;
  showId: string;
  productIds: string[];
  viewers: number;
  connections: number;
  durationSec: number;
  /** Events offered per second over all connections (0: as fast as the server answers). */
  eventsPerSec: number;
}

export interface ProbeJob {
  mode: 'probe';
  url: string;
  path: string;
  callers: number;
  durationSec: number;
}

export interface EventsResult {
  batches2xx: number;
  batchesOther: number;
  errors: number;
  eventsPerBatch: number;
  durationSec: number;
  p50: number;
  p99: number;
}

export interface ProbeResult {
  latenciesMs: number[];
  failures: number;
}

type Job = EventsJob | ProbeJob;
type Message = { ready: true } | { ok: true; result: EventsResult | ProbeResult } | { ok: false; error: string };

const EVENTS = ANALYTICS_LIMITS.maxEventsPerBatch;

async function viewerCookies(job: EventsJob, prefix: string): Promise<{ id: string; cookie: string }[]> {
  const out: { id: string; cookie: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < job.viewers) {
      const id = `${prefix}v${next++}`;
      const now = Date.now();
      const res = await fetch(`${job.url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          showId: job.showId,
          viewerId: id,
          batchId: `${id}-enter`,
          mode: 'live',
          sentAt: now,
          events: [{ seq: 0, kind: 'enter', at: now }],
        }),
      });
      await res.arrayBuffer();
      const c = res.headers.get('set-cookie');
      if (res.status !== 200 || !c) throw new Error(`viewer ${id}: ${res.status}, no viewer cookie`);
      out.push({ id, cookie: c.split(';')[0]! });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return out;
}

/** One batch body: alive, then impressions and clicks spread over the show's products. */
function batchBody(job: EventsJob, viewerId: string, batchId: string): string {
  const now = Date.now();
  const events = new Array<string>(EVENTS);
  events[0] = `{"seq":0,"kind":"alive","at":${now}}`;
  for (let i = 1; i < EVENTS; i++) {
    const p = job.productIds[i % job.productIds.length]!;
    events[i] = `{"seq":${i},"kind":"${i % 5 === 0 ? 'click' : 'impression'}","at":${now - (EVENTS - i) * 10},"productId":"${p}"}`;
  }
  return `{"showId":"${job.showId}","viewerId":"${viewerId}","batchId":"${batchId}","mode":"live","sentAt":${now},"events":[${events.join(',')}]}`;
}

async function runEvents(job: EventsJob, go: Promise<void>): Promise<EventsResult> {
  const prefix = `bench-${process.pid.toString(36)}-`;
  const viewers = await viewerCookies(job, prefix);
  // Bodies built once per device around the batch id, so a request costs one concatenation (the load generator shares
  // the machine). Their times stay those of the build: the server shifts them by the batch's own skew (`sentAt`).
  const perViewer = viewers.map((v) => {
    const [head, tail] = batchBody(job, v.id, '@BATCH@').split('@BATCH@') as [string, string];
    return { headers: { 'content-type': 'application/json', cookie: v.cookie }, head: `${head}${prefix}batch-`, tail };
  });
  process.send?.({ ready: true });
  await go;
  let seq = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    ...(job.eventsPerSec > 0 ? { overallRate: Math.max(1, Math.round(job.eventsPerSec / EVENTS)) } : {}),
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/api/events',
        setupRequest: (req) => {
          const b = perViewer[Math.floor(Math.random() * perViewer.length)]!;
          return { ...req, headers: b.headers, body: `${b.head}${(seq++).toString(36)}${b.tail}` };
        },
      },
    ],
  });
  const codes = result.statusCodeStats as Record<string, { count: number } | undefined>;
  const ok = codes['200']?.count ?? 0;
  const total = Object.values(codes).reduce((n, v) => n + (v?.count ?? 0), 0);
  return {
    batches2xx: ok,
    batchesOther: total - ok,
    errors: result.errors,
    eventsPerBatch: EVENTS,
    durationSec: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function runProbe(job: ProbeJob, go: Promise<void>): Promise<ProbeResult> {
  // One warm-up call per caller (connection set up) before the measured ones.
  await Promise.all(Array.from({ length: job.callers }, () => fetch(job.url + job.path).then((r) => r.arrayBuffer())));
  process.send?.({ ready: true });
  await go;
  const latenciesMs: number[] = [];
  let failures = 0;
  const until = performance.now() + job.durationSec * 1000;
  const caller = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const res = await fetch(job.url + job.path);
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
        else latenciesMs.push(performance.now() - t0);
      } catch {
        failures++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await Promise.all(Array.from({ length: job.callers }, caller));
  return { latenciesMs, failures };
}

export interface Forked<R> {
  /** Resolves once the child has prepared (viewers created / connections warm). */
  ready: Promise<void>;
  go(): void;
  result: Promise<R>;
}

/** Fork a load generator; call `go()` after `ready` to start its measured run. */
export function forkEventsLoad<J extends Job>(job: J): Forked<J extends EventsJob ? EventsResult : ProbeResult> {
  type R = J extends EventsJob ? EventsResult : ProbeResult;
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => {
    readyResolve = r;
  });
  const result = new Promise<R>((resolve, reject) => {
    child.on('message', (m: Message) => {
      if ('ready' in m) readyResolve();
      else if (m.ok) resolve(m.result as R);
      else reject(new Error(m.error));
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`${job.mode} load generator exited with ${code}`)));
  });
  child.send({ job });
  return { ready, go: () => child.send({ go: true }), result };
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  let start: () => void = () => {};
  const go = new Promise<void>((r) => {
    start = r;
  });
  process.on('message', (m: { job?: Job; go?: true }) => {
    if (m.go) {
      start();
      return;
    }
    const job = m.job!;
    const run = job.mode === 'events' ? runEvents(job, go) : runProbe(job, go);
    run.then(
      (r) => process.send!({ ok: true, result: r }, () => process.exit(0)),
      (err: unknown) => process.send!({ ok: false, error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
    );
  });
}
