/**
 * Server configuration: environment variables, optionally layered over a JSON file named by STORECAST_CONFIG
 * (camelCase keys, e.g. `{ "port": 9000, "rtcAnnouncedIp": "203.0.113.7" }`). Environment variables win.
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

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

const Port = z.coerce.number().int().min(0).max(65535);
/** 0: any free port per worker (tests run many servers at once); otherwise an unprivileged port. */
const RtcPort = z.coerce
  .number()
  .int()
  .refine((p) => p === 0 || (p >= 1024 && p <= 65535), 'must be 0 or a port from 1024 to 65535');
const Ip = z.string().trim().min(1).max(255);

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
    /** Seed a demo catalog on first run so a fresh install shows a working shop. */
    seedDemo: z
      .union([z.boolean(), z.enum(['1', '0', 'true', 'false'])])
      .transform((v) => v === true || v === '1' || v === 'true')
      .default(true),
  })
  .refine((c) => c.rtcPort + c.mediasoupWorkers - 1 <= 65535, {
    message: 'RTC_PORT + MEDIASOUP_WORKERS - 1 must be <= 65535 (worker i listens on RTC_PORT + i)',
    path: ['rtcPort'],
  })
  .transform((c) => ({
    ...c,
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
  LOG_LEVEL: 'logLevel',
  WEB_DIR: 'webDir',
  PUBLISHER_GRACE_MS: 'publisherGraceMs',
  PUBLIC_URL: 'publicUrl',
  RESERVATION_MINUTES: 'reservationMinutes',
  SEED_DEMO: 'seedDemo',
} as const satisfies Record<string, keyof ServerConfigInput>;

/** Keys that no longer exist, as variables and as file keys, and what replaced them (refused, not ignored). */
const REPLACED_ENV: Record<string, string> = { RTC_MIN_PORT: 'RTC_PORT', RTC_MAX_PORT: 'RTC_PORT' };
const REPLACED_FILE: Record<string, string> = { rtcMinPort: 'rtcPort', rtcMaxPort: 'rtcPort' };

function replacedKey(key: string, by: string, where: string): string {
  return `${where}${key} was replaced by ${by}: mediasoup worker i listens on ${by} + i (UDP and TCP)`;
}

const KEY_TO_ENV = Object.fromEntries(Object.entries(ENV_KEYS).map(([env, key]) => [key, env])) as Record<string, string>;

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
    return `${name}: ${i.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
  });
  throw new ConfigError(problems);
}

const FileConfig = z.record(z.string(), z.unknown());

/** Load the configuration from environment variables (and the optional STORECAST_CONFIG JSON file). */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  let fromFile: Record<string, unknown> = {};
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
    const known = new Set<string>(Object.values(ENV_KEYS));
    const unknownKeys = Object.keys(obj.data).filter((k) => !known.has(k));
    if (unknownKeys.length) {
      throw new ConfigError(
        unknownKeys.map((k) => {
          const by = REPLACED_FILE[k];
          return by ? replacedKey(k, by, 'STORECAST_CONFIG: ') : `STORECAST_CONFIG: unknown key "${k}"`;
        }),
      );
    }
    fromFile = obj.data;
  }
  const replaced = Object.entries(REPLACED_ENV).filter(([name]) => env[name] !== undefined && env[name] !== '');
  if (replaced.length) throw new ConfigError(replaced.map(([name, by]) => replacedKey(name, by, '')));
  const fromEnv: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[key] = v;
  }
  return parseConfig({ ...fromFile, ...fromEnv } as Partial<ServerConfigInput>, 'env');
}
