import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config';

const dir = mkdtempSync(join(tmpdir(), 'storecast-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: resolve('./data'),
      rtcListenIp: '0.0.0.0',
      rtcAnnouncedIp: '127.0.0.1',
      rtcPort: 40000,
      mediasoupWorkers: availableParallelism(),
      sfuMaxTransportsPerIp: 16,
      sfuMaxTransports: 300 * availableParallelism(),
      sfuViewersPerRouter: 250,
      logLevel: 'info',
      webDir: resolve('dist/web'),
      publisherGraceMs: 30000,
    });
  });

  it('reads environment variables', () => {
    const c = loadConfig({
      PORT: '9000',
      RTC_LISTEN_IP: '10.0.0.5',
      RTC_PORT: '41000',
      MEDIASOUP_WORKERS: '3',
      SFU_MAX_TRANSPORTS_PER_IP: '0',
      SFU_VIEWERS_PER_ROUTER: '2',
      LOG_LEVEL: 'debug',
      PUBLISHER_GRACE_MS: '5000',
    });
    expect(c).toMatchObject({
      port: 9000,
      rtcListenIp: '10.0.0.5',
      rtcPort: 41000,
      mediasoupWorkers: 3,
      sfuMaxTransportsPerIp: 0,
      sfuMaxTransports: 900,
      sfuViewersPerRouter: 2,
      logLevel: 'debug',
    });
    // A specific listen IP is announced as itself unless RTC_ANNOUNCED_IP says otherwise.
    expect(c.rtcAnnouncedIp).toBeUndefined();
    expect(loadConfig({ RTC_ANNOUNCED_IP: '203.0.113.7' }).rtcAnnouncedIp).toBe('203.0.113.7');
  });

  it('cluster mode: off without REDIS_URL; with it NODE_ID, NODE_PUBLIC_URL and CLUSTER_SECRET are required', () => {
    expect(loadConfig({}).cluster).toBeNull();
    const cluster = {
      REDIS_URL: 'redis://10.0.0.9:6379',
      NODE_ID: 'node-a',
      NODE_PUBLIC_URL: 'https://a.example.com',
      CLUSTER_SECRET: 'a-long-cluster-secret',
    };
    expect(loadConfig(cluster).cluster).toEqual({
      redisUrl: 'redis://10.0.0.9:6379',
      nodeId: 'node-a',
      publicUrl: 'https://a.example.com',
      secret: 'a-long-cluster-secret',
    });
    const file = join(dir, 'cluster.json');
    writeFileSync(file, JSON.stringify(cluster));
    expect(loadConfig({ STORECAST_CONFIG: file }).cluster?.nodeId).toBe('node-a');
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems.join('\n');
      }
      return '';
    };
    const missing = problems({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(missing).toMatch(/NODE_ID: required when REDIS_URL is set/);
    expect(missing).toMatch(/NODE_PUBLIC_URL: required when REDIS_URL is set/);
    expect(missing).toMatch(/CLUSTER_SECRET: required when REDIS_URL is set/);
    const short = problems({ ...cluster, CLUSTER_SECRET: 'short-secret!' });
    expect(short).toMatch(/CLUSTER_SECRET: must be at least 16 characters/);
    expect(short).not.toContain('short-secret!'); // a secret is never echoed
    expect(() => loadConfig({ ...cluster, NODE_ID: 'a/b' })).toThrow(/NODE_ID: node id/);
    // The buyers' session key every node shares (env or file, like every key); never echoed.
    expect(loadConfig({ ...cluster, SESSION_SECRET: 's'.repeat(40) }).sessionSecret).toBe('s'.repeat(40));
    const weak = problems({ SESSION_SECRET: 'too-short-session-key' });
    expect(weak).toMatch(/SESSION_SECRET: must be at least 32 characters/);
    expect(weak).not.toContain('too-short-session-key');
    expect(() => loadConfig({ ...cluster, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a redis/);
  });

  it('DATABASE_URL: unset keeps SQLite; a postgres URL selects PostgreSQL; anything else is refused unechoed', () => {
    expect(loadConfig({}).databaseUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgres://shop:pw@10.0.0.5:5432/shop' }).databaseUrl).toBe('postgres://shop:pw@10.0.0.5:5432/shop');
    expect(loadConfig({ DATABASE_URL: 'postgresql://10.0.0.5/shop' }).databaseUrl).toBe('postgresql://10.0.0.5/shop');
    let bad = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/shop' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      bad = (e as ConfigError).problems.join('\n');
    }
    expect(bad).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(bad).not.toContain('hunter2');
  });

  it('lists every bad key by its variable name', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        MEDIASOUP_WORKERS: '0',
        RTC_PORT: '80',
        SFU_MAX_TRANSPORTS: '0',
        SFU_VIEWERS_PER_ROUTER: '0',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).message;
    for (const key of ['PORT', 'LOG_LEVEL', 'MEDIASOUP_WORKERS', 'RTC_PORT', 'SFU_MAX_TRANSPORTS', 'SFU_VIEWERS_PER_ROUTER'])
      expect(text).toContain(key);
    expect((err as ConfigError).problems.length).toBe(6);
    expect(() => loadConfig({ RTC_PORT: '65535', MEDIASOUP_WORKERS: '2' })).toThrow(/RTC_PORT \+ MEDIASOUP_WORKERS - 1 must be <= 65535/);
    expect(loadConfig({ RTC_PORT: '65534', MEDIASOUP_WORKERS: '2' }).rtcPort).toBe(65534);
  });

  it('refuses the RTC port range keys that RTC_PORT replaced, naming the replacement', () => {
    expect(() => loadConfig({ RTC_MIN_PORT: '40000', RTC_MAX_PORT: '49999' })).toThrow(/RTC_MIN_PORT was replaced by RTC_PORT/);
    const file = join(dir, 'old-ports.json');
    writeFileSync(file, JSON.stringify({ RTC_MIN_PORT: 40000 }));
    expect(() => loadConfig({ STORECAST_CONFIG: file })).toThrow(/STORECAST_CONFIG: RTC_MIN_PORT was replaced by RTC_PORT/);
  });

  it('layers a JSON file with the same keys as the environment under it', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ PORT: 7000, PUBLISHER_GRACE_MS: 1000, LOG_LEVEL: 'warn', SEED_DEMO: false }));
    const c = loadConfig({ STORECAST_CONFIG: file, LOG_LEVEL: 'error' });
    expect(c).toMatchObject({ port: 7000, publisherGraceMs: 1000, logLevel: 'error', seedDemo: false });
    writeFileSync(file, JSON.stringify({ PROT: 1 }));
    expect(() => loadConfig({ STORECAST_CONFIG: file })).toThrow(/unknown key "PROT"/);
    writeFileSync(file, JSON.stringify({ port: 1 }));
    expect(() => loadConfig({ STORECAST_CONFIG: file })).toThrow(/unknown key "port" \(the file takes the variable names: "PORT"\)/);
    writeFileSync(file, JSON.stringify({ PORT: { value: 1 } }));
    expect(() => loadConfig({ STORECAST_CONFIG: file })).toThrow(/"PORT" must be a string, number or boolean/);
    writeFileSync(file, '{oops');
    expect(() => loadConfig({ STORECAST_CONFIG: file })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ STORECAST_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read/);
  });

  it("accepts the README's example file", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const example = /Example `storecast.config.json`:\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const file = join(dir, 'readme.json');
    writeFileSync(file, example!);
    const c = loadConfig({ STORECAST_CONFIG: file });
    const values = JSON.parse(example!) as Record<string, unknown>;
    expect(c.port).toBe(values.PORT);
    expect(c.dataDir).toBe(resolve(String(values.DATA_DIR)));
  });

  it('takes payment and realtime settings from the file as from the environment, and says what is wrong', () => {
    const file = join(dir, 'p.json');
    const pem = `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(64)}\n-----END PUBLIC KEY-----`;
    const payment = {
      ALIPAY_APP_ID: '2021000000000000',
      ALIPAY_PRIVATE_KEY: pem,
      ALIPAY_PUBLIC_KEY: pem,
      PAYMENTS_RECONCILE_AFTER_SEC: 30,
    };
    writeFileSync(file, JSON.stringify({ ...payment, REALTIME_BATCH_MS: 50, REALTIME_CHAT_RATE: 2 }));
    const fromFile = loadConfig({ STORECAST_CONFIG: file });
    const fromEnv = loadConfig(Object.fromEntries(Object.entries(payment).map(([k, v]) => [k, String(v)])));
    expect(fromFile.payments).toEqual(fromEnv.payments);
    expect(fromFile.payments).toMatchObject({ default: 'alipay', reconcileAfterSec: 30, sandbox: { enabled: false } });
    expect(fromFile.realtime).toEqual({ batchMs: 50, chatRatePerSec: 2 });
    expect(() => loadConfig({ PAYMENTS_SANDBOX: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ PAYMENTS_SANDBOX: '0' })).toThrow(/payments: no payment provider/);
    expect(() => loadConfig({ REALTIME_BATCH_MS: 'fast' })).toThrow(/realtime batchMs/);
  });

  it('validates programmatic config the same way', () => {
    expect(parseConfig({ dataDir: dir, port: 0 }).port).toBe(0);
    // Tests ask for any free WebRTC port per worker.
    expect(parseConfig({ dataDir: dir, rtcPort: 0 }).rtcPort).toBe(0);
    expect(() => parseConfig({ dataDir: dir, port: 70000 })).toThrow(ConfigError);
  });
});
