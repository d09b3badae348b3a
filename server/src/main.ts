/** Server entry point: `node dist/server/main.mjs` (or `tsx server/src/main.ts`). Configuration: see config.ts. */
import { ConfigError, loadConfig } from './config';
import { createStorecastServer } from './app';
import { formatSetupCode, readSetupCode, setupCodePath } from './auth/setup-code';
import { createLogger } from './log';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true && !process.env.NO_PRETTY_LOGS });
  let server: Awaited<ReturnType<typeof createStorecastServer>>;
  try {
    server = await createStorecastServer(config, { logger });
  } catch (err) {
    // A start-up refusal found only by trying (cluster mode: Redis unreachable, NODE_ID held by a live node).
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  logger.info(
    {
      studioTokenFile: server.studioTokenFile,
      viewerUrlBase: `${server.url}/live/<showId>`,
      rtcAnnouncedIp: config.rtcAnnouncedIp ?? '(listen ip)',
    },
    config.rtcAnnouncedIp === '127.0.0.1'
      ? 'ready — media is announced on 127.0.0.1 (local viewers only); set RTC_ANNOUNCED_IP to the public IP for remote viewers'
      : 'ready',
  );
  // First run (no owner yet): the operator's proof for creating the owner account at /moderator.
  const setupCode = readSetupCode(config.dataDir);
  if (setupCode) {
    logger.info(
      { setupCodeFile: setupCodePath(config.dataDir), moderatorUrl: `${server.url}/moderator` },
      `first run — create the owner account at /moderator with setup code ${formatSetupCode(setupCode)} (also in the setup-code file; or use "Set up moderator access" in the studio)`,
    );
  }

  let stoppingAt = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingAt) {
      // A supervisor may forward the signal a terminal also sent: one press, two signals.
      if (Date.now() - stoppingAt < 2000) return;
      logger.warn({ signal }, 'forced exit');
      process.exit(1);
    }
    stoppingAt = Date.now();
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error('storecast server failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
