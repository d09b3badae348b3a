/** What the PostgreSQL repositories run their SQL on: the pool (a call on its own) or a unit of work's client. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Where commerce learns whether a show exists and its status (shows live with the node's other state). */
export interface ShowDirectory {
  status(showId: string): string | null | Promise<string | null>;
}

export async function one<R extends object>(q: Queryable, sql: string, params: unknown[]): Promise<R | null> {
  return (await q.query<R>(sql, params)).rows[0] ?? null;
}

export async function changed(q: Queryable, sql: string, params: unknown[]): Promise<number> {
  return (await q.query(sql, params)).rowCount ?? 0;
}
