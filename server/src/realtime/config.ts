/**
 * Realtime settings. Defaults suit a single show with thousands of viewers; the environment can override them:
 *   REALTIME_BATCH_MS            batch flush period (default 100)
 *   REALTIME_CHAT_PER_BATCH      chat messages per room batch; beyond it the newest are kept (default 50)
 *   REALTIME_SOFT_BUFFER_KB      a socket with more unsent data than this gets sampled batches (default 256)
 *   REALTIME_HARD_BUFFER_KB      … and is closed (4008) when it stays above this … (default 1024)
 *   REALTIME_HARD_BUFFER_MS      … for this long (default 5000)
 *   REALTIME_CHAT_RATE / REALTIME_CHAT_BURST   per-user chat token bucket (default 1 msg/s, burst 3)
 */
import { z } from 'zod';
import { MAX_CHAT_CHARS, MAX_QUESTION_CHARS } from '../../../shared/realtime/filter';
import { DEFAULT_SPAM_SETTINGS } from '../../../shared/realtime/flood-guard';

const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const Num = (min: number, max: number) => z.coerce.number().min(min).max(max);

export const RealtimeConfigSchema = z.object({
  batchMs: Int(10, 5000).default(100),
  chatPerBatch: Int(1, 10_000).default(50),
  softBufferBytes: Int(1024, 1 << 30).default(256 * 1024),
  hardBufferBytes: Int(2048, 1 << 30).default(1024 * 1024),
  hardBufferMs: Int(0, 600_000).default(5000),
  /** A socket that stays over the soft limit (lagging, never draining) this long is closed (4008). */
  lagTimeoutMs: Int(0, 3_600_000).default(20_000),
  /** Above this many unsent bytes a socket is terminated at once (default 4 × hard). */
  maxBufferBytes: Int(4096, 1 << 30).optional(),
  chatRatePerSec: Num(0.01, 1000).default(1),
  chatBurst: Int(1, 10_000).default(3),
  questionRatePerSec: Num(0.001, 1000).default(0.1),
  questionBurst: Int(1, 1000).default(2),
  /** Any request on one socket (likes, moderation, …). */
  requestRatePerSec: Num(0.1, 100_000).default(20),
  requestBurst: Int(1, 100_000).default(40),
  maxChatChars: Int(1, 1000).default(MAX_CHAT_CHARS),
  maxQuestionChars: Int(1, 1000).default(MAX_QUESTION_CHARS),
  duplicateWindowMs: Int(0, 3_600_000).default(DEFAULT_SPAM_SETTINGS.duplicateWindowMs),
  floodWindowMs: Int(0, 3_600_000).default(DEFAULT_SPAM_SETTINGS.floodWindowMs),
  floodUsers: Int(2, 10_000).default(DEFAULT_SPAM_SETTINGS.floodUsers),
  /** Presence counts are pushed at most this often. */
  presenceEveryMs: Int(0, 60_000).default(1000),
  /** Chat messages in the hello snapshot. */
  recentMessages: Int(0, 500).default(50),
  /** Messages remembered per room (for moderation deletes on ban). */
  historyMessages: Int(0, 100_000).default(2000),
  heartbeatMs: Int(100, 600_000).default(15_000),
});
export type RealtimeConfig = z.output<typeof RealtimeConfigSchema>;
export type RealtimeConfigInput = z.input<typeof RealtimeConfigSchema>;

export function parseRealtimeConfig(input: Partial<RealtimeConfigInput> = {}): RealtimeConfig {
  const c = RealtimeConfigSchema.parse(input);
  if (c.softBufferBytes > c.hardBufferBytes) throw new Error('REALTIME_SOFT_BUFFER_KB must be <= REALTIME_HARD_BUFFER_KB');
  return c;
}

/** Every variable realtimeConfigFromEnv reads (the JSON config file accepts the same keys). */
export const REALTIME_ENV_KEYS: readonly string[] = [
  'REALTIME_BATCH_MS',
  'REALTIME_CHAT_PER_BATCH',
  'REALTIME_SOFT_BUFFER_KB',
  'REALTIME_HARD_BUFFER_KB',
  'REALTIME_HARD_BUFFER_MS',
  'REALTIME_CHAT_RATE',
  'REALTIME_CHAT_BURST',
];

/** Overrides from the environment (only the variables that are set). */
export function realtimeConfigFromEnv(env: NodeJS.ProcessEnv): Partial<RealtimeConfigInput> {
  const out: Partial<RealtimeConfigInput> = {};
  const num = (name: string) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : undefined);
  const set = <K extends keyof RealtimeConfigInput>(k: K, v: number | undefined) => {
    if (v !== undefined) out[k] = v as RealtimeConfigInput[K];
  };
  set('batchMs', num('REALTIME_BATCH_MS'));
  set('chatPerBatch', num('REALTIME_CHAT_PER_BATCH'));
  const kb = (name: string) => {
    const v = num(name);
    return v === undefined ? undefined : v * 1024;
  };
  set('softBufferBytes', kb('REALTIME_SOFT_BUFFER_KB'));
  set('hardBufferBytes', kb('REALTIME_HARD_BUFFER_KB'));
  set('hardBufferMs', num('REALTIME_HARD_BUFFER_MS'));
  set('chatRatePerSec', num('REALTIME_CHAT_RATE'));
  set('chatBurst', num('REALTIME_CHAT_BURST'));
  return out;
}
