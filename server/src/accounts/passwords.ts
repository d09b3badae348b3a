/**
 * Password hashing with scrypt (node:crypto): a random 16-byte salt per password, parameters stored with the hash
 * (`scrypt$<logN>$<r>$<p>$<salt b64url>$<key b64url>`) so they can be raised later without breaking old hashes,
 * and a constant-time comparison of the derived keys.
 */
import { randomBytes, scrypt as scryptCb, type ScryptOptions, timingSafeEqual } from 'node:crypto';

const KEY_LEN = 32;
/** N = 2^15, r = 8, p = 1: ~32 MiB and tens of ms per hash — the OWASP-recommended floor for scrypt. */
export const DEFAULT_SCRYPT = { logN: 15, r: 8, p: 1 } as const;

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function options(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  // scrypt needs 128 * N * r bytes; leave headroom over node's 32 MiB default.
  return { N, r, p, maxmem: 256 * N * r };
}

export async function hashPassword(password: string, params: { logN: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LEN, options(params.logN, params.r, params.p));
  return `scrypt$${params.logN}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{16,128})$/;

/** True when the password matches the stored hash. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (!m) return false;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(m[4]!, 'base64url');
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await scrypt(password, salt, expected.length, options(logN, r, p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password: verified against when the account does not exist, so timing does not reveal names. */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(18).toString('base64url'));
  return dummy;
}
