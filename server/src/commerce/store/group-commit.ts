/**
 * Group commit, shared by the engines: the units of work queued in one event-loop turn run as one transaction, each in
 * a savepoint (throwing undoes exactly its changes), and every unit's promise settles after that one commit.
 */
import type { CommerceTx } from './types';

type Unit = (tx: CommerceTx) => Promise<unknown>;
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

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
 * The store's `groupCommit`: `batch` opens one transaction, runs the units (runSavepointed) and commits, or throws
 * (then every unit of the batch fails with that error).
 */
export function groupCommitter(batch: (units: Unit[]) => Promise<Outcome[]>): <T>(fn: (tx: CommerceTx) => Promise<T>) => Promise<T> {
  type Job = { fn: Unit; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  let queue: Job[] = [];
  const flush = async () => {
    const jobs = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = await batch(jobs.map((j) => j.fn));
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  };
  return <T>(fn: (tx: CommerceTx) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      if (queue.push({ fn, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(() => void flush());
    });
}
