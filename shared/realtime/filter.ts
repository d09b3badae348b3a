/**
 * Chat limits and filters — pure functions and small state machines (no I/O, no clock of their own: callers pass `now`).
 *
 *  - Display normalisation: NFC, invisible/control characters removed, whitespace runs collapsed, trimmed; the length
 *    limit counts code points of that text. The text stays text: nothing here (or anywhere on the server) parses HTML.
 *  - Match normalisation (for the word/link/spam checks only, never shown): NFKC (full-width → half-width), lower case,
 *    zero-width characters, whitespace, punctuation and symbols removed, so "f.u.c.k", "傻 逼", "ｆｕｃｋ" and "f\u200Bu c-k"
 *    all collapse to the same key; a second key maps basic leetspeak (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s) and
 *    collapses runs of 3+ equal letters ("fuuuck" → "fuck").
 *  - Word filter: a configurable zh + en list (normalised the same way). CJK terms match anywhere in the separator-free
 *    key; Latin terms match the start of a Latin word (spaced-out letters are glued back), which avoids the
 *    "Scunthorpe" problem while still catching "fucking", "f u c k" and "sh1t".
 *  - Link filter: URLs, bare domains (also "example。com", "example dot com"), `wx:`/`vx`/`qq:`/微信/加v contact spam and
 *    mainland mobile numbers; configurable.
 *  - TokenBucket (per-user rate), slow mode check, and SpamGuard (same text from one user within a window; near-duplicate
 *    text from many users = flood).
 */
import { z } from 'zod';

export const RejectReason = z.enum([
  'EMPTY',
  'TOO_LONG',
  'RATE_LIMITED',
  'SLOW_MODE',
  'MUTED',
  'BANNED',
  'BLOCKED_WORD',
  'LINK',
  'DUPLICATE',
  'FLOOD',
]);
export type RejectReason = z.infer<typeof RejectReason>;

export const MAX_CHAT_CHARS = 120;
export const MAX_QUESTION_CHARS = 300;

/** Zero-width / bidi / BOM / soft hyphen / variation selectors / tag characters / Hangul fillers: invisible, used to split words. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: a list of single invisible code points (joiners, selectors) to strip, not a grapheme.
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

/** The text as it is stored and shown: NFC, no invisible/control characters, single spaces, trimmed. */
export function normalizeDisplay(text: string): string {
  return text
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .replace(/\p{Cc}/gu, '')
    .trim();
}

/** Length in code points (what a user perceives as characters, close enough for CJK + Latin chat). */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'i' };

/** Key for matching: NFKC, lower case, invisible characters, whitespace, punctuation and symbols removed. */
export function matchKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(INVISIBLE, '')
    .replace(/[\s\p{P}\p{S}\p{C}]+/gu, '');
}

/** Second key: leetspeak mapped (before symbols are dropped, so "@" and "$" count) and runs of a letter collapsed. */
export function leetKey(text: string): string {
  const mapped = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[013457@$!|]/g, (c) => LEET[c] ?? c);
  return collapseRuns(matchKey(mapped));
}

/** Runs of three or more of the same letter become one ("fuuuck" → "fuck"); doubles stay ("shiitake", "assess"). */
function collapseRuns(s: string): string {
  return s.replace(/(\p{L})\1{2,}/gu, '$1');
}

// ---------------------------------------------------------------------------------------------------------------
// Word filter

export const DEFAULT_BLOCKED_WORDS: readonly string[] = [
  // en
  'fuck',
  'motherfucker',
  'shit',
  'bitch',
  'cunt',
  'asshole',
  'nigger',
  'faggot',
  'retard',
  // zh
  '傻逼',
  '煞笔',
  '沙比',
  '草泥马',
  '操你妈',
  '你妈逼',
  '尼玛',
  '去死',
  '贱人',
  '婊子',
  '脑残',
  '滚蛋',
];

export interface CompiledWordList {
  /** CJK/mixed terms: substring of the separator-free key (Chinese has no word boundaries). */
  readonly anywhere: readonly { term: string; key: string; leet: string }[];
  /** Latin-only terms: prefix of a Latin word (so "fucking" matches "fuck" but "Scunthorpe" does not match "cunt"). */
  readonly latin: readonly { term: string; key: string; leet: string }[];
}

const LATIN_TERM = /^[a-z0-9]+$/;

export function compileWords(words: readonly string[]): CompiledWordList {
  const seen = new Set<string>();
  const anywhere: { term: string; key: string; leet: string }[] = [];
  const latin: { term: string; key: string; leet: string }[] = [];
  for (const term of words) {
    const key = matchKey(term);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    (LATIN_TERM.test(key) ? latin : anywhere).push({ term, key, leet: leetKey(term) });
  }
  return { anywhere, latin };
}

/**
 * Latin words of a text for word matching: runs of [a-z0-9] (anything else separates, including Han characters),
 * with runs of ≤ 2 characters glued together so spaced-out evasions ("f u c k", "f.u.c.k", "fu ck") become one word.
 */
export function latinWords(text: string, leet: boolean): string[] {
  let s = text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '');
  if (leet) s = s.replace(/[013457@$!|]/g, (c) => LEET[c] ?? c);
  const runs = s.split(/[^a-z0-9]+/).filter(Boolean);
  const out: string[] = [];
  let glue = '';
  for (const r of runs) {
    if (r.length <= 2) {
      glue += r;
      continue;
    }
    if (glue) out.push(glue);
    glue = '';
    out.push(r);
  }
  if (glue) out.push(glue);
  if (!leet) return out;
  return out.map(collapseRuns);
}

/** The first blocked term found in the text, or null. */
export function findBlockedWord(text: string, list: CompiledWordList): string | null {
  if (list.anywhere.length) {
    const key = matchKey(text);
    const leet = leetKey(text);
    const collapsed = collapseRuns(key);
    for (const w of list.anywhere) {
      if (key.includes(w.key) || collapsed.includes(w.key) || leet.includes(w.leet)) return w.term;
    }
  }
  if (list.latin.length) {
    const plain = latinWords(text, false);
    const leet = latinWords(text, true);
    for (const w of list.latin) {
      if (plain.some((t) => t.startsWith(w.key)) || leet.some((t) => t.startsWith(w.leet) || t.startsWith(w.key))) return w.term;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Link filter

export const LinkFilterSettings = z.object({
  /** Block URLs and bare domains. */
  blockLinks: z.boolean(),
  /** Block contact-exchange spam (wx:/vx/微信/QQ/加v …, phone numbers). */
  blockContacts: z.boolean(),
  /** Domains that may be posted (exact or parent domain, e.g. "storecast.example"). */
  allowDomains: z.array(z.string().trim().toLowerCase().min(3).max(100)).max(100),
  /** Top-level domains recognised in bare domains ("shop" in "buy.shop"). */
  tlds: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z]{2,12}$/),
    )
    .max(300),
});
export type LinkFilterSettings = z.infer<typeof LinkFilterSettings>;

export const DEFAULT_LINK_SETTINGS: LinkFilterSettings = {
  blockLinks: true,
  blockContacts: true,
  allowDomains: [],
  tlds: [
    'com',
    'cn',
    'net',
    'org',
    'io',
    'co',
    'me',
    'cc',
    'tv',
    'xyz',
    'top',
    'vip',
    'shop',
    'store',
    'app',
    'info',
    'link',
    'club',
    'site',
    'online',
    'live',
    'fun',
    'ly',
    'gg',
    'hk',
    'tw',
    'us',
    'uk',
    'de',
    'ru',
    'jp',
    'kr',
    'biz',
    'asia',
    'wang',
    'ink',
    'work',
    'icu',
    'cyou',
  ],
};

const URL_SCHEME = /\b(?:https?|ftp|wss?)\s*[:：]\s*[/／]{2}|\bwww\s*[.。．]/iu;
/**
 * Separators people use inside domains to dodge filters: ".", "。", "·", "点", "(dot)", " dot ". A plain "." takes no
 * surrounding spaces, so ordinary sentences ("Great. Me too") are not mistaken for domains.
 */
const DOT = String.raw`(?:\.|\s*[。·・]\s*|\s*[(\[（【]\s*(?:dot|点)\s*[)\]）】]\s*|\s+dot\s+|点)`;
const CONTACT = [
  /(?:^|[^a-z])(?:wx|vx|wechat|weixin|v信|威信|薇信|微信|qq|扣扣|企鹅|tg|telegram|whatsapp|line)\s*(?:号|id)?\s*[:：=]/iu,
  /加\s*(?:我\s*)?(?:v|w|微|vx|wx|q|扣|薇|威)/iu,
  /(?:微信|v信|薇信|威信|qq|扣扣)\s*(?:号|群|联系|私聊)/iu,
  /(?:^|[^\d])(?:\+?86[\s-]?)?1[3-9](?:[\s-]?\d){9}(?!\d)/u,
];

export interface CompiledLinkFilter {
  readonly settings: LinkFilterSettings;
  readonly domain: RegExp | null;
}

export function compileLinkFilter(settings: LinkFilterSettings): CompiledLinkFilter {
  const tlds = [...new Set(settings.tlds)].sort((a, b) => b.length - a.length);
  const domain = tlds.length
    ? new RegExp(`([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:${DOT}[a-z0-9-]{1,63})*)${DOT}(${tlds.join('|')})(?![a-z0-9])`, 'giu')
    : null;
  return { settings, domain };
}

function allowed(host: string, allow: readonly string[]): boolean {
  return allow.some((d) => host === d || host.endsWith(`.${d}`));
}

/** 'LINK' when the text carries a URL/domain/contact the settings block, else null. */
export function findLink(text: string, filter: CompiledLinkFilter): 'url' | 'domain' | 'contact' | null {
  const s = text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '');
  const { settings } = filter;
  if (settings.blockContacts && CONTACT.some((re) => re.test(s))) return 'contact';
  if (!settings.blockLinks) return null;
  if (URL_SCHEME.test(s) && !settings.allowDomains.length) return 'url';
  if (filter.domain) {
    filter.domain.lastIndex = 0;
    for (let m = filter.domain.exec(s); m; m = filter.domain.exec(s)) {
      const host = `${m[1]!.replace(new RegExp(DOT, 'giu'), '.')}.${m[2]}`;
      if (!allowed(host, settings.allowDomains)) return 'domain';
    }
  }
  if (URL_SCHEME.test(s)) {
    // A scheme with only allowed domains passes; one without any recognisable host does not.
    const hosts = s.match(/(?:https?|ftp|wss?):\/\/([^\s/?#]+)/giu) ?? [];
    if (!hosts.length) return 'url';
    for (const h of hosts) {
      const host = h.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '');
      if (!allowed(host, settings.allowDomains)) return 'url';
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limit, slow mode, spam

/** Classic token bucket: `ratePerSec` tokens refill continuously up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
      this.last = now;
    }
  }

  /** Take one token; returns 0 on success, else the ms until one is available. */
  take(now: number, cost = 1): number {
    this.refill(now);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.tokens) / this.ratePerSec) * 1000);
  }

  /** True when the bucket is full again (state can be dropped). */
  idle(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/** Slow mode: ms the user still has to wait (0 = may send). */
export function slowModeWait(lastSentAt: number | undefined, slowModeSeconds: number, now: number): number {
  if (!slowModeSeconds || lastSentAt === undefined) return 0;
  const wait = lastSentAt + slowModeSeconds * 1000 - now;
  return Math.max(0, wait);
}

export interface SpamSettings {
  /** Same text from the same user within this window is a DUPLICATE. */
  duplicateWindowMs: number;
  /** Near-identical text from at least `floodUsers` different users within `floodWindowMs` is a FLOOD. */
  floodWindowMs: number;
  floodUsers: number;
}

export const DEFAULT_SPAM_SETTINGS: SpamSettings = { duplicateWindowMs: 30_000, floodWindowMs: 10_000, floodUsers: 5 };

/** Near-duplicate shape: the match key without digits, letter runs collapsed ("buy now 1", "Buy now 22!!!", "buyyy now"). */
export function shapeKey(text: string): string {
  return collapseRuns(matchKey(text).replace(/\p{N}+/gu, ''));
}

/**
 * Repeated-spam detector for one room. Memory is bounded: entries older than the windows are pruned on use,
 * and at most `maxEntries` shapes / per-user texts are kept (oldest evicted).
 */
export class SpamGuard {
  private readonly byUser = new Map<string, { key: string; at: number }[]>();
  private readonly shapes = new Map<string, { first: number; users: Map<string, number> }>();
  private lastPrune = 0;

  constructor(
    private readonly settings: SpamSettings = DEFAULT_SPAM_SETTINGS,
    private readonly maxEntries = 20_000,
  ) {}

  /** Check without recording. */
  check(userId: string, text: string, now: number): 'DUPLICATE' | 'FLOOD' | null {
    this.prune(now);
    const key = matchKey(text);
    const recent = this.byUser.get(userId);
    if (recent?.some((r) => r.key === key && now - r.at < this.settings.duplicateWindowMs)) return 'DUPLICATE';
    const shape = shapeKey(text);
    if (shape.length >= 2) {
      const entry = this.shapes.get(shape);
      if (entry) {
        let others = 0;
        for (const [u, at] of entry.users) if (u !== userId && now - at < this.settings.floodWindowMs) others++;
        if (others + 1 >= this.settings.floodUsers) return 'FLOOD';
      }
    }
    return null;
  }

  /** Record an accepted message. */
  record(userId: string, text: string, now: number): void {
    const key = matchKey(text);
    let recent = this.byUser.get(userId);
    if (!recent) {
      if (this.byUser.size >= this.maxEntries) this.byUser.delete(this.byUser.keys().next().value!);
      recent = [];
      this.byUser.set(userId, recent);
    }
    recent.push({ key, at: now });
    if (recent.length > 8) recent.shift();
    const shape = shapeKey(text);
    if (shape.length < 2) return;
    let entry = this.shapes.get(shape);
    if (!entry) {
      if (this.shapes.size >= this.maxEntries) this.shapes.delete(this.shapes.keys().next().value!);
      entry = { first: now, users: new Map() };
      this.shapes.set(shape, entry);
    }
    entry.users.set(userId, now);
  }

  private prune(now: number): void {
    if (now - this.lastPrune < 1000) return;
    this.lastPrune = now;
    const dupMs = this.settings.duplicateWindowMs;
    for (const [u, list] of this.byUser) {
      const keep = list.filter((r) => now - r.at < dupMs);
      if (keep.length) this.byUser.set(u, keep);
      else this.byUser.delete(u);
    }
    const floodMs = this.settings.floodWindowMs;
    for (const [shape, entry] of this.shapes) {
      for (const [u, at] of entry.users) if (now - at >= floodMs) entry.users.delete(u);
      if (!entry.users.size) this.shapes.delete(shape);
    }
  }

  get size(): number {
    return this.byUser.size + this.shapes.size;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Content check (length + word + link) — the stateless part of accepting a message.

export interface ContentRules {
  maxChars: number;
  words: CompiledWordList;
  links: CompiledLinkFilter;
  /** Staff may post links. */
  skipLinks?: boolean;
}

export type ContentResult = { ok: true; text: string } | { ok: false; reason: RejectReason; detail?: string };

export function checkContent(raw: string, rules: ContentRules): ContentResult {
  const text = normalizeDisplay(raw);
  if (!text) return { ok: false, reason: 'EMPTY' };
  if (charLength(text) > rules.maxChars) return { ok: false, reason: 'TOO_LONG', detail: `max ${rules.maxChars} characters` };
  const word = findBlockedWord(text, rules.words);
  if (word !== null) return { ok: false, reason: 'BLOCKED_WORD' };
  if (!rules.skipLinks) {
    const link = findLink(text, rules.links);
    if (link) return { ok: false, reason: 'LINK', detail: link };
  }
  return { ok: true, text };
}
