/**
 * Load-generator child process: hosts a share of the bench's werift viewers so that they do not run in the
 * orchestrator's (or the server's) process. Driven over the Node IPC channel (see ViewerProcessRequest/Reply).
 */
import { z } from 'zod';
import { Quality } from '../../../shared/domain/show';
import { BenchViewer, type ViewerSnapshot } from './viewer-peer';

export const ViewerProcessRequest = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('add'),
    seq: z.number().int(),
    serverUrl: z.string().url(),
    showId: z.string(),
    quality: Quality,
    /** Viewer ids to create (global across processes). */
    ids: z.array(z.number().int()),
    /** How many viewers negotiate at the same time. */
    concurrency: z.number().int().min(1),
  }),
  z.object({ type: z.literal('snapshot'), seq: z.number().int() }),
  z.object({ type: z.literal('close'), seq: z.number().int() }),
]);
export type ViewerProcessRequest = z.infer<typeof ViewerProcessRequest>;

export interface ViewerProcessReply {
  seq: number;
  /** add: how many started / the errors of the ones that failed. */
  started?: number;
  errors?: string[];
  /** snapshot: counters of every viewer + this process's CPU time. */
  viewers?: ViewerSnapshot[];
  cpuMicros?: number;
  at?: number;
}

const viewers: BenchViewer[] = [];

function reply(r: ViewerProcessReply): void {
  process.send?.(r);
}

async function add(req: Extract<ViewerProcessRequest, { type: 'add' }>): Promise<void> {
  const queue = [...req.ids];
  const errors: string[] = [];
  let started = 0;
  const runOne = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const v = new BenchViewer(id, { serverUrl: req.serverUrl, showId: req.showId, quality: req.quality });
      viewers.push(v);
      try {
        await v.start();
        started++;
      } catch (err) {
        errors.push(`viewer ${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency, req.ids.length) }, runOne));
  reply({ seq: req.seq, started, errors });
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function closeAll(): Promise<void> {
  await Promise.all(viewers.map((v) => v.close()));
}

process.on('message', (raw) => {
  const parsed = ViewerProcessRequest.safeParse(raw);
  if (!parsed.success) {
    console.error(`[viewers ${process.pid}] bad request: ${parsed.error.message}`);
    return;
  }
  const req = parsed.data;
  switch (req.type) {
    case 'add':
      add(req).catch((err) => reply({ seq: req.seq, started: 0, errors: [String(err)] }));
      break;
    case 'snapshot':
      reply({
        seq: req.seq,
        viewers: viewers.map((v) => v.snapshot()),
        cpuMicros: cpuMicros(),
        at: performance.timeOrigin + performance.now(),
      });
      break;
    case 'close':
      closeAll().finally(() => {
        reply({ seq: req.seq });
        process.exit(0);
      });
      break;
  }
});

// The orchestrator went away: do not linger.
process.on('disconnect', () => {
  closeAll().finally(() => process.exit(0));
});
// werift emits some errors asynchronously (e.g. a late packet on a closed socket): log, keep the other viewers running.
process.on('uncaughtException', (err) => console.error(`[viewers ${process.pid}] uncaught: ${err.stack ?? err}`));
process.on('unhandledRejection', (err) => console.error(`[viewers ${process.pid}] unhandled rejection: ${String(err)}`));
