/**
 * The bench's load generator: a few child processes (viewer-process.ts), each hosting a share of the werift viewers.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Quality } from '../../../shared/domain/show';
import type { ViewerProcessReply, ViewerProcessRequest } from './viewer-process';

const ENTRY = fileURLToPath(new URL('./viewer-process.ts', import.meta.url));

/** Distributive Omit, so each member of the request union keeps its own fields. */
type RequestBody = ViewerProcessRequest extends infer R ? (R extends ViewerProcessRequest ? Omit<R, 'seq'> : never) : never;

class ViewerProcess {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: ViewerProcessReply) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;
  viewers = 0;

  constructor(
    readonly index: number,
    log: (line: string) => void,
    niceness: number,
  ) {
    this.child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    // Lower priority than the server, so on a shared machine the generator yields the CPU to the SFU under contention
    // (a starved generator shows up as loss / a saturated viewer process, which the bench reports).
    if (this.child.pid !== undefined && niceness !== 0) {
      try {
        setPriority(this.child.pid, niceness);
      } catch (err) {
        log(`${`[viewers#${index}]`} could not set priority: ${String(err)}`);
      }
    }
    const prefix = `[viewers#${index}]`;
    this.child.stdout?.on('data', (b: Buffer) => log(`${prefix} ${b.toString().trimEnd()}`));
    this.child.stderr?.on('data', (b: Buffer) => log(`${prefix} ${b.toString().trimEnd()}`));
    this.child.on('message', (m) => {
      const r = m as ViewerProcessReply;
      const w = this.waiting.get(r.seq);
      if (w) {
        this.waiting.delete(r.seq);
        w.resolve(r);
      }
    });
    this.child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`viewer process ${index} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request(body: RequestBody, timeoutMs: number): Promise<ViewerProcessReply> {
    const seq = ++this.seq;
    return new Promise<ViewerProcessReply>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(seq);
        reject(new Error(`viewer process ${this.index}: ${body.type} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(seq, {
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.child.send({ ...body, seq } satisfies ViewerProcessRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.request({ type: 'close' }, 5000).catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 6000);
    await exited;
    clearTimeout(t);
  }
}

export interface FleetSnapshot {
  /** ms since epoch when the snapshot was taken (per process; the max is used). */
  at: number;
  viewers: NonNullable<ViewerProcessReply['viewers']>;
  /** CPU seconds used by each viewer process so far. */
  processCpuSeconds: number[];
}

export class ViewerFleet {
  private readonly procs: ViewerProcess[];
  private nextId = 0;

  constructor(
    processes: number,
    private readonly opts: {
      serverUrl: string;
      showId: string;
      quality: Quality;
      concurrency: number;
      /** Process priority (nice) of the viewer processes; 0 = unchanged. */
      niceness: number;
      log: (line: string) => void;
    },
  ) {
    this.procs = Array.from({ length: processes }, (_, i) => new ViewerProcess(i, opts.log, opts.niceness));
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  get size(): number {
    return this.nextId;
  }

  /** Add `count` viewers, spread over the processes (fewest first). Returns how many started and the errors. */
  async add(count: number): Promise<{ started: number; errors: string[] }> {
    const plan = new Map<ViewerProcess, number[]>();
    for (let i = 0; i < count; i++) {
      const p = this.procs.reduce((a, b) => (b.viewers < a.viewers ? b : a));
      p.viewers++;
      const ids = plan.get(p) ?? [];
      ids.push(this.nextId++);
      plan.set(p, ids);
    }
    const replies = await Promise.all(
      [...plan].map(([p, ids]) =>
        p.request(
          {
            type: 'add',
            ids,
            serverUrl: this.opts.serverUrl,
            showId: this.opts.showId,
            quality: this.opts.quality,
            concurrency: this.opts.concurrency,
          },
          60_000 + ids.length * 1000,
        ),
      ),
    );
    return {
      started: replies.reduce((s, r) => s + (r.started ?? 0), 0),
      errors: replies.flatMap((r) => r.errors ?? []),
    };
  }

  async snapshot(): Promise<FleetSnapshot> {
    const replies = await Promise.all(this.procs.map((p) => p.request({ type: 'snapshot' }, 10_000)));
    return {
      at: Math.max(...replies.map((r) => r.at ?? 0)),
      viewers: replies.flatMap((r) => r.viewers ?? []),
      processCpuSeconds: replies.map((r) => (r.cpuMicros ?? 0) / 1e6),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}
