/** Build every Node bundle (into dist/, or only in memory) and return what the bundle check finds. */
export function buildNode(opts?: { write?: boolean }): Promise<string[]>;
