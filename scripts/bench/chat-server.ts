/**
 * Server side of `bench:chat`: fastify + @fastify/websocket + the realtime module (real SQLite in <dataDir>), in its
 * own process so its CPU and RSS can be measured from outside. Prints `CHAT_BENCH_READY {json}` and runs until
 * SIGTERM/SIGINT or stdin closes. Realtime settings come from the REALTIME_* environment variables.
 *
 * Usage: tsx scripts/bench/chat-server.ts <dataDir>
 */
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/rpc';
import { loadOrCreateSessionSecret, loadOrCreateStudioToken } from '../../server/src/auth/studio-token';
import { openDatabase } from '../../server/src/db/database';
import { ShowRepository } from '../../server/src/db/shows';
import { createLogger } from '../../server/src/log';
import { realtimeConfigFromEnv, registerRealtime } from '../../server/src/realtime/index';

export const CHAT_READY_PREFIX = 'CHAT_BENCH_READY ';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: chat-server.ts <dataDir>');
  const log = createLogger({ level: (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
  const db = openDatabase(`${dataDir}/storecast.sqlite`);
  const shows = new ShowRepository(db);
  const show = shows.markLive(shows.create('Chat bench').id, Date.now());
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger });
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false } });
  const realtime = await registerRealtime(app, {
    db,
    log,
    studioToken: loadOrCreateStudioToken(dataDir),
    sessionSecret: loadOrCreateSessionSecret(dataDir),
    shows,
    catalog: null,
    config: realtimeConfigFromEnv(process.env),
  });
  await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  const port = (app.server.address() as { port: number }).port;
  process.stdout.write(
    `${CHAT_READY_PREFIX}${JSON.stringify({ url: `http://127.0.0.1:${port}`, showId: show.id, pid: process.pid, config: realtime.config })}\n`,
  );

  // Stats on request (a line on stdin) so the orchestrator can read delivery counters without another socket.
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === 'stats') process.stdout.write(`CHAT_BENCH_STATS ${JSON.stringify(realtime.stats())}\n`);
    }
  });
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), 5000).unref();
    await app.close();
    db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.stdin.on('end', () => void shutdown());
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
