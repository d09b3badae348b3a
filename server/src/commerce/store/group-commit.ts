/**
 * Group commit, shared by the engines: the units of work queued while the previous batch commits run as one
 * transaction, each in a savepoint (throwing undoes exactly its changes), and every unit's promise settles after that
 * one commit. One batch is in flight per store: under load the queue grows while a batch commits, so the next commit
 * carries more units instead of a second transaction queueing on the same hot rows.
 */
import type { CheckoutKeys, CommerceTx } from './types';

export type Unit = (tx: CommerceTx) => Promise<unknown>;
/** A unit's result; `seq`: its place in the order the batch ran its units, when that is not the queue's. */
export type Outcome = ({ ok: true; value: unknown } | { ok: false; error: unknown }) & { seq?: number };
/** A unit and, for a checkout, the rows it will read and lock (engines may take them for the whole batch up front). */
export interface BatchUnit {
  run: Unit;
  keys: CheckoutKeys | undefined;
}

/** Most units one batch carries (its statements and its lock time stay bounded). */
export const MAX_BATCH = 256;

/** Run `units` one after another inside the caller's open transaction, each in a savepoint; `exec` runs one SQL statement. */
export async function runSavepointed(units: readonly Unit[], tx: CommerceTx, exec: (sql: string) => unknown): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const unit of units) {
    await exec('SAVEPOINT checkout');
    try {
      outcomes.push({ ok: true, value: await unit(tx) });
      await exec('RELEASE SAVEPOINT checkout');
    } catch (error) {
      await exec('ROLLBACK TO SAVEPOINT checkout');
      await exec('RELEASE SAVEPOINT checkout');
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

/**
 * The store's `groupCommit`: `batch` opens one transaction, runs the units (e.g. runSavepointed) and commits, or throws
 * (then every unit of the batch fails with that error).
 */
export function groupCommitter(
  batch: (units: BatchUnit[]) => Promise<Outcome[]>,
): <T>(fn: (tx: CommerceTx) => Promise<T>, keys?: CheckoutKeys) => Promise<T> {
  type Job = BatchUnit & { resolve: (v: unknown) => void; reject: (e: unknown) => void };
  let queue: Job[] = [];
  let running = false;
  const flush = async () => {
    running = true;
    while (queue.length) {
      const jobs = queue.slice(0, MAX_BATCH);
      queue = queue.slice(jobs.length);
      let outcomes: Outcome[];
      try {
        outcomes = await batch(jobs);
      } catch (error) {
        for (const job of jobs) job.reject(error);
        continue;
      }
      // Settled in the order the units ran, so what their callers emit next (stock counts) comes in that order too.
      const order = jobs.map((_, i) => i).sort((a, b) => (outcomes[a]!.seq ?? a) - (outcomes[b]!.seq ?? b));
      for (const i of order) {
        const o = outcomes[i]!;
        if (o.ok) jobs[i]!.resolve(o.value);
        else jobs[i]!.reject(o.error);
      }
    }
    running = false;
  };
  return <T>(fn: (tx: CommerceTx) => Promise<T>, keys?: CheckoutKeys) =>
    new Promise<T>((resolve, reject) => {
      const n = queue.push({ run: fn, keys, resolve: resolve as (v: unknown) => void, reject });
      if (n === 1 && !running) setImmediate(() => void flush());
    });
}
