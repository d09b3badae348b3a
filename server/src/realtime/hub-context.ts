/**
 * What the hub's parts share: the options the hub was built with, who is who (identities, bans, mutes), the content
 * filters, the audit log, and the checks every buyer-written text passes (identity, ban/mute gate, per-user bucket,
 * filters). Each part (chat.ts, questions.ts, moderation.ts, commerce-events.ts) gets one `HubContext`.
 */
import type { z } from 'zod';
import { type RealtimeNotifications, realtimeNotifications, type SendResult } from '../../../shared/protocol/realtime';
import { notification, RpcError } from '../../../shared/protocol/rpc';
import type { RejectReason } from '../../../shared/realtime/filter';
import type { AnswerSuggester } from '../answers/suggester';
import type { Logger } from '../log';
import type { SuggestionCatalog } from './catalog';
import type { RealtimeConfig } from './config';
import type { Connection } from './connection';
import type { ContentFilters } from './filters';
import type { Identities } from './identities';
import type { DeliveryStats, Room } from './room';
import type { Actor, AuditInput, RealtimeStore } from './store';

export interface HubOptions {
  store: RealtimeStore;
  config: RealtimeConfig;
  log: Logger;
  /** Key for public user ids (derived from the session secret). */
  idKey: Buffer;
  catalog: SuggestionCatalog | null;
  /** Suggested answers (the server passes one reading `<dataDir>/answers.json`); a default one otherwise. */
  answers?: AnswerSuggester;
  clock: () => number;
  /** Told about accepted chat messages and new follows (engagement: keyword / follow entries). */
  observer?: HubObserver;
}

export interface HubObserver {
  chat(conn: Connection, text: string): void;
  follow(conn: Connection): void;
  like?(conn: Connection, count: number): void;
}

export type HubStats = DeliveryStats & { chatAccepted: number; chatRejected: number };

export interface HubContext {
  readonly o: HubOptions;
  readonly identities: Identities;
  readonly filters: ContentFilters;
  readonly stats: HubStats;
  /** Rooms currently held in memory (a show's room exists while someone is connected or a batch is pending). */
  readonly rooms: ReadonlyMap<string, Room>;
  /**
   * The rooms a cluster-wide event goes to: this node's, plus (cluster mode) a room for every show with sockets on
   * another node, whose stream then carries the event to them.
   */
  everyRoom(): Iterable<Room>;
  /** Written in the background, in order (a failure is logged). */
  audit(conn: Connection, action: string, target: string | null, reason?: string | null, detail?: Record<string, unknown>): void;
  auditEntry(e: AuditInput): void;
  /** Resolves when the audit entries made so far are written. */
  audited(): Promise<void>;
}

export const notificationFrame = <K extends keyof RealtimeNotifications & string>(
  method: K,
  data: z.input<RealtimeNotifications[K]>,
): string => notification(realtimeNotifications, method, data);

const REJECT_TEXT: Record<RejectReason, string> = {
  EMPTY: 'message is empty',
  TOO_LONG: 'message is too long',
  RATE_LIMITED: 'sending too fast',
  SLOW_MODE: 'slow mode is on',
  MUTED: 'you are muted',
  BANNED: 'you are banned from chat',
  BLOCKED_WORD: 'message contains a blocked word',
  LINK: 'links and contact details are not allowed',
  DUPLICATE: 'you just sent this',
  FLOOD: 'too many people are sending the same text',
};

export const reject = (reason: RejectReason, retryAfterMs?: number, detail?: string): SendResult => ({
  accepted: false,
  reason,
  message: detail ? `${REJECT_TEXT[reason]} (${detail})` : REJECT_TEXT[reason],
  ...(retryAfterMs !== undefined ? { retryAfterMs: Math.ceil(retryAfterMs) } : {}),
});

export function actorOf(conn: Connection): Actor {
  return { id: conn.principal?.id ?? conn.key ?? 'unknown', name: conn.name, role: conn.role };
}

export function requireIdentity(conn: Connection): string {
  if (!conn.helloDone) throw new RpcError('BAD_STATE', 'send hello first');
  if (!conn.key) throw new RpcError('UNAUTHORIZED', 'no guest session: POST /api/session first, then reconnect');
  return conn.key;
}

/** Checks chat and questions share: mute/ban gate, the per-user bucket (staff exempt), then the content filters. */
export function screen(
  ctx: HubContext,
  conn: Connection,
  key: string,
  raw: string,
  bucket: 'chat' | 'question',
  maxChars: number,
  now: number,
) {
  const { identities, filters } = ctx;
  if (identities.isBanned(conn)) return { ok: false as const, result: reject('BANNED') };
  const muted = identities.mutedUntil(conn);
  if (muted !== null) return { ok: false as const, result: reject('MUTED', muted - now) };
  const limits = conn.room.limitsFor(key, now);
  if (!conn.staff) {
    const wait = limits[bucket].take(now);
    if (wait > 0) return { ok: false as const, result: reject('RATE_LIMITED', wait) };
  }
  const content = filters.check(raw, maxChars, conn.staff);
  if (!content.ok) return { ok: false as const, result: reject(content.reason, undefined, content.detail) };
  return { ok: true as const, limits, content };
}
