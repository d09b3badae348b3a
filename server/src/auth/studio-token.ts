/**
 * The studio token: a random secret created in `<dataDir>/studio-token` (mode 0600) on first run and read afterwards.
 * The studio presents it in `studio.auth`; comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STUDIO_TOKEN_FILE = 'studio-token';

export function studioTokenPath(dataDir: string): string {
  return join(dataDir, STUDIO_TOKEN_FILE);
}

/** Read the token, creating it (exclusively, 0600) if the file does not exist yet. */
export function loadOrCreateStudioToken(dataDir: string): string {
  return loadOrCreateSecretFile(dataDir, STUDIO_TOKEN_FILE, 'studio token');
}

export const SESSION_SECRET_FILE = 'session-secret';

/**
 * Key for signing buyer session cookies; kept across restarts so guests keep their carts and orders. `configured`
 * (SESSION_SECRET, the same on every node of a cluster) wins over the file in the data dir.
 */
export function loadOrCreateSessionSecret(dataDir: string, configured?: string): Buffer {
  if (configured) return createHash('sha256').update(`storecast session\0${configured}`, 'utf8').digest();
  return Buffer.from(loadOrCreateSecretFile(dataDir, SESSION_SECRET_FILE, 'session secret'), 'base64url');
}

/** A random secret in `<dataDir>/<name>`: created exclusively with mode 0600 on first use, read afterwards. */
export function loadOrCreateSecretFile(dataDir: string, name: string, what: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Tighten permissions of a file someone created or copied with a wider mode.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 16 || secret.length > 256 || /\s/.test(secret)) {
    throw new Error(`${file} does not contain a valid ${what} (16–256 non-space characters); delete it to generate a new one`);
  }
  return secret;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time comparison (hashing first makes the lengths equal, so the length is not leaked either). */
export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
