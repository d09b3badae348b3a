/**
 * Server configuration: environment variables, optionally layered over a JSON file named by STORECAST_CONFIG with
 * the same keys (e.g. `{ "PORT": 9000, "RTC_ANNOUNCED_IP": "203.0.113.7", "STRIPE_SECRET_KEY_FILE": "/etc/…" }`).
 * Environment variables win. Programmatic callers (tests) pass the camelCase object of ServerConfigSchema.
 *
 * RTC_ANNOUNCED_IP: the address put into ICE candidates. When RTC_LISTEN_IP is a wildcard (0.0.0.0 / ::) and no
 * announced address is set it defaults to 127.0.0.1, which only works for viewers on this machine — a server that
 * remote viewers reach must set RTC_ANNOUNCED_IP to its public (or LAN) IP or hostname.
 *
 * RTC_PORT: mediasoup worker i receives all of its WebRTC media on RTC_PORT + i, UDP and TCP (one WebRtcServer per
 * worker), so the firewall opens RTC_PORT … RTC_PORT + MEDIASOUP_WORKERS − 1. It replaced the RTC_MIN_PORT /
 * RTC_MAX_PORT range, which is refused with a message saying so.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { NodeId } from '../../shared/protocol/cluster';
import { PAYMENT_ENV_KEYS, type PaymentsConfig, paymentsConfigFromEnv } from './commerce/config';
import { DEFAULT_BUYER_LIMITS } from './commerce/limits';
import { DEFAULT_VIEWERS_PER_ROUTER } from './sfu/fanout';
import { parseRealtimeConfig, REALTIME_ENV_KEYS, type RealtimeConfigInput, realtimeConfigFromEnv } from './realtime/config';

/** on/off switches (also true/false, 1/0). */
const OnOff = z
  .union([z.boolean(), z.enum(['on', 'off', '1', '0', 'true', 'false'])])
  .transform((v) => v === true || v === 'on' || v === '1' || v === 'true');

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

const Port = z.coerce.number().int().min(0).max(65535);
/** 0: any free port per worker (tests run many servers at once); otherwise an unprivileged port. */
const RtcPort = z.coerce
  .number()
  .int()
  .refine((p) => p === 0 || (p >= 1024 && p <= 65535), 'must be 0 or a port from 1024 to 65535');
const Ip = z.string().trim().min(1).max(255);
const PerMinute = z.coerce.number().int().min(0).max(1_000_000);
/** fastify's trustProxy: boolean, hop count, or a list of trusted proxy addresses / CIDRs. */
const TrustProxy = z.union([z.boolean(), z.number().int().min(0).max(64), z.string().trim().min(1).max(1000)]).transform((v) => {
  if (typeof v !== 'string') return v;
  if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v;
});

/** Measured fanout capacity per worker (README, bench:fanout), rounded: the default total transport cap. */
export const TRANSPORTS_PER_WORKER = 300;

/** Input schema (also used for the programmatic `Partial<ServerConfig>` of createStorecastServer). */
export const ServerConfigSchema = z
  .object({
    port: Port.default(8080),
    host: z.string().trim().min(1).default('0.0.0.0'),
    dataDir: z.string().trim().min(1).default('./data'),
    rtcListenIp: Ip.default('0.0.0.0'),
    rtcAnnouncedIp: Ip.optional(),
    rtcPort: RtcPort.default(40000),
    mediasoupWorkers: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
    /**
     * WebRTC transports one client address may hold (all of its sockets; the studio is exempt). A viewer needs one;
     * a household or office behind one NAT has a few devices, each possibly holding a second one while it reconnects.
     * 0: no per-address cap (needed when every viewer arrives through one proxy address).
     */
    sfuMaxTransportsPerIp: z.coerce.number().int().min(0).max(1_000_000).default(16),
    /** WebRTC transports in total. Default: 300 per mediasoup worker (bench:fanout measured 287–357 viewers per core). */
    sfuMaxTransports: z.coerce.number().int().min(1).max(10_000_000).optional(),
    /**
     * Viewers of one show per mediasoup Router. Past it the show spills over to a fan-out Router on another worker
     * (its media piped there once); a new viewer goes to the least-loaded router under the cap.
     */
    sfuViewersPerRouter: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_VIEWERS_PER_ROUTER),
    logLevel: LogLevel.default('info'),
    webDir: z.string().trim().min(1).default('dist/web'),
    publisherGraceMs: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    /** Public http(s) base URL (payment redirects and webhooks). Default: the local listen address. */
    publicUrl: z
      .string()
      .trim()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .optional(),
    /** Unpaid order reservations expire after this many minutes and return their stock. */
    reservationMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** Unpaid orders holding flash-sale units expire after this many seconds (at most RESERVATION_MINUTES). */
    flashSaleReservationSeconds: z.coerce.number().int().min(10).max(86_400).default(180),
    /** Per client address: new guest sessions a minute (0 = unlimited). Every first page load makes one. */
    sessionsPerIpPerMinute: PerMinute.default(DEFAULT_BUYER_LIMITS.sessionsPerIpPerMinute),
    /** Per client address: order attempts a minute (0 = unlimited). */
    ordersPerIpPerMinute: PerMinute.default(DEFAULT_BUYER_LIMITS.ordersPerIpPerMinute),
    /** Per guest session: order attempts a minute (0 = unlimited). */
    ordersPerSessionPerMinute: PerMinute.default(DEFAULT_BUYER_LIMITS.ordersPerSessionPerMinute),
    /** Unpaid orders one guest session may hold at once, over all shows (0 = unlimited). */
    maxUnpaidOrders: z.coerce.number().int().min(0).max(1000).default(DEFAULT_BUYER_LIMITS.maxUnpaidOrders),
    /**
     * Whom to believe about the client address (X-Forwarded-For): false (default: the TCP peer), true (any proxy),
     * a hop count, or a comma-separated list of proxy addresses / CIDRs. Behind a reverse proxy it must be set, or
     * every client has the proxy's address and the per-address limits hit all buyers at once.
     */
    trustProxy: TrustProxy.default(false),
    /** Seed a demo catalog on first run so a fresh install shows a working shop. */
    seedDemo: z
      .union([z.boolean(), z.enum(['1', '0', 'true', 'false'])])
      .transform((v) => v === true || v === '1' || v === 'true')
      .default(true),
    /**
     * HLS of live shows (server/src/hls): the viewer page's fallback when WebRTC is full or cannot connect, made on
     * demand by ffmpeg from a PlainTransport consumer of the studio's media. off: no /hls routes answer with media.
     */
    hls: OnOff.default(true),
    /**
     * Record every live show as HLS from its start: the recording stays as the show's VOD, which its replay and clips
     * are made from. off: only what an HLS viewer asked for is recorded.
     */
    hlsRecord: OnOff.default(true),
    /** The ffmpeg binary HLS runs (a path, or a name looked up on PATH). */
    ffmpegBin: z.string().trim().min(1).default('ffmpeg'),
    /** Payment providers (commerce/config.ts); default: the embedded sandbox only. */
    payments: z.custom<PaymentsConfig>((v) => typeof v === 'object' && v !== null).default({}),
    /**
     * Cluster mode (server/src/cluster): one show across several nodes, coordinated through this Redis. Unset: a
     * single node, nothing changes. Set: NODE_ID, NODE_PUBLIC_URL and CLUSTER_SECRET are required too.
     */
    redisUrl: z
      .string()
      .trim()
      .refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), 'must be a redis:// or rediss:// URL')
      .optional(),
    /** This node's id in the cluster, unique among running nodes. */
    nodeId: NodeId.optional(),
    /** http(s) base URL viewers reach this node at (its signaling socket is derived from it). */
    nodePublicUrl: z
      .string()
      .trim()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .optional(),
    /**
     * Signs buyers' session cookies and keys realtime public ids. Unset: a random one kept in `<dataDir>/session-secret`.
     * Behind a load balancer every node needs the same one, or a buyer sent to another node loses the session.
     */
    sessionSecret: z.string().min(32, 'must be at least 32 characters').max(512).optional(),
    /** Shared by every node: signs placement tokens and authenticates node-to-node requests. */
    clusterSecret: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
    /**
     * The commerce store's engine: unset = SQLite in the data dir (the default); a postgres:// URL = PostgreSQL
     * (migrated at start under an advisory lock; a schema newer than this build stops the server).
     */
    databaseUrl: z
      .string()
      .trim()
      .refine((u) => /^postgres(ql)?:\/\/[^\s]+$/.test(u), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** Realtime hub tuning (realtime/config.ts). */
    realtime: z.custom<Partial<RealtimeConfigInput>>((v) => typeof v === 'object' && v !== null).default({}),
  })
  .refine((c) => c.rtcPort + c.mediasoupWorkers - 1 <= 65535, {
    message: 'RTC_PORT + MEDIASOUP_WORKERS - 1 must be <= 65535 (worker i listens on RTC_PORT + i)',
    path: ['rtcPort'],
  })
  .superRefine((c, ctx) => {
    if (!c.redisUrl) return;
    for (const k of ['nodeId', 'nodePublicUrl', 'clusterSecret'] as const) {
      if (c[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'required when REDIS_URL is set (cluster mode)' });
    }
  })
  .transform((c) => ({
    ...c,
    cluster:
      c.redisUrl && c.nodeId && c.nodePublicUrl && c.clusterSecret
        ? { redisUrl: c.redisUrl, nodeId: c.nodeId, publicUrl: c.nodePublicUrl, secret: c.clusterSecret }
        : null,
    sfuMaxTransports: c.sfuMaxTransports ?? TRANSPORTS_PER_WORKER * c.mediasoupWorkers,
    dataDir: resolve(c.dataDir),
    webDir: resolve(c.webDir),
    rtcAnnouncedIp: c.rtcAnnouncedIp ?? (isWildcard(c.rtcListenIp) ? '127.0.0.1' : undefined),
  }));

export type ServerConfig = z.output<typeof ServerConfigSchema>;
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/** Environment variable → config key. */
const ENV_KEYS = {
  PORT: 'port',
  HOST: 'host',
  DATA_DIR: 'dataDir',
  RTC_LISTEN_IP: 'rtcListenIp',
  RTC_ANNOUNCED_IP: 'rtcAnnouncedIp',
  RTC_PORT: 'rtcPort',
  MEDIASOUP_WORKERS: 'mediasoupWorkers',
  SFU_MAX_TRANSPORTS_PER_IP: 'sfuMaxTransportsPerIp',
  SFU_MAX_TRANSPORTS: 'sfuMaxTransports',
  SFU_VIEWERS_PER_ROUTER: 'sfuViewersPerRouter',
  LOG_LEVEL: 'logLevel',
  WEB_DIR: 'webDir',
  PUBLISHER_GRACE_MS: 'publisherGraceMs',
  PUBLIC_URL: 'publicUrl',
  RESERVATION_MINUTES: 'reservationMinutes',
  FLASH_SALE_RESERVATION_SECONDS: 'flashSaleReservationSeconds',
  SESSIONS_PER_IP_PER_MINUTE: 'sessionsPerIpPerMinute',
  ORDERS_PER_IP_PER_MINUTE: 'ordersPerIpPerMinute',
  ORDERS_PER_SESSION_PER_MINUTE: 'ordersPerSessionPerMinute',
  MAX_UNPAID_ORDERS: 'maxUnpaidOrders',
  TRUST_PROXY: 'trustProxy',
  SEED_DEMO: 'seedDemo',
  HLS: 'hls',
  HLS_RECORD: 'hlsRecord',
  FFMPEG_BIN: 'ffmpegBin',
  REDIS_URL: 'redisUrl',
  DATABASE_URL: 'databaseUrl',
  NODE_ID: 'nodeId',
  NODE_PUBLIC_URL: 'nodePublicUrl',
  CLUSTER_SECRET: 'clusterSecret',
  SESSION_SECRET: 'sessionSecret',
} as const satisfies Record<string, keyof ServerConfigInput>;

/** Keys that no longer exist, as variables and as file keys, and what replaced them (refused, not ignored). */
/** Keys that no longer exist, with the one that replaced them (the environment and the file alike). */
const REPLACED: Record<string, string> = { RTC_MIN_PORT: 'RTC_PORT', RTC_MAX_PORT: 'RTC_PORT' };

function replacedKey(key: string, by: string, where: string): string {
  return `${where}${key} was replaced by ${by}: mediasoup worker i listens on ${by} + i (UDP and TCP)`;
}

const KEY_TO_ENV = Object.fromEntries(Object.entries(ENV_KEYS).map(([env, key]) => [key, env])) as Record<string, string>;

/** Keys whose values never appear in an error message (they hold secrets or credentials). */
const SECRET_KEYS: ReadonlySet<string> = new Set(['clusterSecret', 'sessionSecret', 'redisUrl', 'databaseUrl']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Validate a (partial) config object; throws ConfigError naming every bad key. */
export function parseConfig(input: Partial<ServerConfigInput>, source: 'env' | 'object' = 'object'): ServerConfig {
  const r = ServerConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? '(root)');
    const name = source === 'env' ? (KEY_TO_ENV[key] ?? key) : key;
    const value = (input as Record<string, unknown>)[key];
    const shown = value === undefined || SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(value)})`;
    return `${name}: ${i.message}${shown}`;
  });
  throw new ConfigError(problems);
}

/** A value in the JSON file: what an environment variable could hold (numbers and booleans are written as such). */
const FileValue = z.union([z.string(), z.number(), z.boolean()]);
const FileConfig = z.record(z.string(), z.unknown());

/** Every key the environment and the JSON file accept: the server's, the payment providers' and the realtime hub's. */
export const CONFIG_KEYS: ReadonlySet<string> = new Set([...Object.keys(ENV_KEYS), ...PAYMENT_ENV_KEYS, ...REALTIME_ENV_KEYS]);

/**
 * The settings as one flat map of variable names: the STORECAST_CONFIG JSON file (same keys as the environment),
 * with the environment over it.
 */
export function loadSettings(env: Record<string, string | undefined>): Record<string, string> {
  const settings: Record<string, string> = {};
  const file = env.STORECAST_CONFIG?.trim();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([`STORECAST_CONFIG: cannot read ${file}: ${(err as Error).message}`]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError([`STORECAST_CONFIG: ${file} is not valid JSON: ${(err as Error).message}`]);
    }
    const obj = FileConfig.safeParse(parsed);
    if (!obj.success) throw new ConfigError([`STORECAST_CONFIG: ${file} must contain a JSON object`]);
    const problems: string[] = [];
    for (const [key, value] of Object.entries(obj.data)) {
      if (REPLACED[key]) {
        problems.push(replacedKey(key, REPLACED[key], 'STORECAST_CONFIG: '));
      } else if (!CONFIG_KEYS.has(key)) {
        const envName = KEY_TO_ENV[key];
        problems.push(`STORECAST_CONFIG: unknown key "${key}"${envName ? ` (the file takes the variable names: "${envName}")` : ''}`);
      } else if (!FileValue.safeParse(value).success) {
        problems.push(`STORECAST_CONFIG: "${key}" must be a string, number or boolean`);
      } else {
        settings[key] = String(value);
      }
    }
    if (problems.length) throw new ConfigError(problems);
  }
  const replaced = Object.entries(REPLACED).filter(([name]) => env[name] !== undefined && env[name] !== '');
  if (replaced.length) throw new ConfigError(replaced.map(([name, by]) => replacedKey(name, by, '')));
  for (const key of CONFIG_KEYS) {
    const v = env[key];
    if (v !== undefined && v !== '') settings[key] = v;
  }
  return settings;
}

/** Run a section's own parser over the settings; whatever it throws becomes ConfigError lines. */
function section<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof z.ZodError) {
      throw new ConfigError(err.issues.map((i) => `${name}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`));
    }
    throw new ConfigError([`${name}: ${(err as Error).message}`]);
  }
}

/**
 * Load the configuration from environment variables and the optional STORECAST_CONFIG JSON file: the server's own
 * keys, the payment providers (commerce/config.ts) and the realtime hub (realtime/config.ts), all validated here so
 * a mistake stops the start with one clear list.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const settings = loadSettings(env);
  const own: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    if (settings[name] !== undefined) own[key] = settings[name];
  }
  const config = parseConfig(own as Partial<ServerConfigInput>, 'env');
  const payments = section('payments', () => paymentsConfigFromEnv(settings));
  const realtime = realtimeConfigFromEnv(settings);
  section('realtime', () => parseRealtimeConfig(realtime));
  return { ...config, payments, realtime };
}
