/**
 * The first-run setup code: proof of being the operator when the owner account is created without the studio token
 * (the server may listen on 0.0.0.0, so "whoever reaches /moderator first" must not be enough). While no owner
 * exists, a random code lives in `<dataDir>/setup-code` (mode 0600) and is printed in the server log at start-up;
 * it is compared in constant time and deleted as soon as an owner exists.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SetupCode } from '../../../shared/realtime/accounts';
import { tokensEqual } from './studio-token';

export const SETUP_CODE_FILE = 'setup-code';
/** Crockford base32 (no I, L, O, U), so a code read off a screen or a log types back unambiguously. */
const SETUP_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SETUP_CODE_LENGTH = 20;

export function setupCodePath(dataDir: string): string {
  return join(dataDir, SETUP_CODE_FILE);
}

/** 20 symbols of 32 (100 bits); 256 is a multiple of 32, so `byte & 31` is unbiased. */
function newCode(): string {
  return Array.from(randomBytes(SETUP_CODE_LENGTH), (b) => SETUP_CODE_ALPHABET[b & 31]).join('');
}

/** `ABCDEFGHJK…` → `ABCDE-FGHJK-…` (how it is printed and stored; input ignores the dashes). */
export function formatSetupCode(code: string): string {
  return code.match(/.{1,5}/g)?.join('-') ?? code;
}

function isWellFormed(code: string): boolean {
  return code.length === SETUP_CODE_LENGTH && [...code].every((c) => SETUP_CODE_ALPHABET.includes(c));
}

/** The code stored in `<dataDir>/setup-code` (normalized), or null when there is none or it is not a valid code. */
export function readSetupCode(dataDir: string): string | null {
  let text: string;
  try {
    text = readFileSync(setupCodePath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = SetupCode.safeParse(text.trim());
  return parsed.success && isWellFormed(parsed.data) ? parsed.data : null;
}

/** The setup code of one data dir, held in memory while setup is open and mirrored in its file. */
export class SetupCodeFile {
  private code: string | null = null;

  constructor(private readonly dataDir: string) {}

  get file(): string {
    return setupCodePath(this.dataDir);
  }

  /**
   * Setup is open: keep the code of the file (a restart before the owner exists prints the same code again) or
   * create one (exclusively, 0600). A file holding something else is replaced.
   */
  open(): string {
    mkdirSync(this.dataDir, { recursive: true });
    const file = this.file;
    let code = readSetupCode(this.dataDir);
    if (!code) {
      rmSync(file, { force: true });
      code = newCode();
      writeFileSync(file, `${formatSetupCode(code)}\n`, { flag: 'wx', mode: 0o600 });
    }
    // Tighten permissions of a file someone created or copied with a wider mode.
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    this.code = code;
    return code;
  }

  /** Constant-time check of a presented (normalized) code; false once the code is spent. */
  matches(presented: string): boolean {
    return this.code !== null && tokensEqual(presented, this.code);
  }

  /** Setup is done: the code stops working and its file is deleted. */
  spend(): void {
    this.code = null;
    rmSync(this.file, { force: true });
  }
}
