/** Small pieces the in-process benches (flashsale, events) share: a free loopback port and a logger that only errs. */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export const quiet = {
  debug() {},
  info() {},
  warn() {},
  error: (o: unknown, m?: string) => console.error(m ?? '', o),
  child: () => quiet,
};
