/** Generated authorization tests: the error code each method answers (null when it succeeds). */
import { RpcError } from '../../../shared/protocol/rpc';

export async function errorCodes<M extends string>(
  call: (method: M) => Promise<unknown>,
  methods: readonly M[],
): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const m of methods) {
    try {
      await call(m);
      out[m] = null;
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      out[m] = err.code;
    }
  }
  return out;
}

/** The expectation: every method answers `code`. */
export const everyCode = (methods: readonly string[], code: string) => Object.fromEntries(methods.map((m) => [m, code]));
