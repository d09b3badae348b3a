/**
 * `npm run cluster` as a user runs it: its own process group (a terminal's), stdout read for the printed URLs. The
 * three nodes answer /healthz ready, share one seeded catalog (images too) and one PostgreSQL — an order placed on
 * node B is in node C's studio order list and the buyer's session works on C — and a SIGINT to the group (Ctrl-C) stops every process the script
 * started (Redis, PostgreSQL and its backends, the nodes and their mediasoup workers) and removes its temp dirs.
 * Needs `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProductView } from '../../shared/commerce/catalog';
import type { OrderList, OrderView } from '../../shared/commerce/orders';
import { poll, ROOT } from './harness';

interface Proc {
  pid: number;
  ppid: number;
  state: string;
  start: string;
  cmd: string;
}

/** Every process on the machine, from /proc (a pid with its start time names one process, never a reused pid). */
function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      all.set(Number(name), { pid: Number(name), state: f[0]!, ppid: Number(f[1]), start: f[19]!, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return all;
}

function descendants(root: number): Proc[] {
  const all = [...processes().values()];
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of all)
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
  }
  return found;
}

/** Still running: the same process (pid and start time) and not a zombie. */
function running(p: Proc): boolean {
  const now = processes().get(p.pid);
  return now !== undefined && now.start === p.start && now.state !== 'Z';
}

let cluster: ChildProcess | null = null;
let tree: Proc[] = [];

afterAll(() => {
  if (cluster && cluster.exitCode === null && cluster.signalCode === null) process.kill(-cluster.pid!, 'SIGKILL');
  for (const p of tree) if (running(p)) process.kill(p.pid, 'SIGKILL');
});

describe('npm run cluster', () => {
  it('starts Redis, PostgreSQL and three seeded nodes, prints their URLs, and Ctrl-C leaves nothing behind', async () => {
    const proc = spawn('npm', ['run', 'cluster'], {
      cwd: ROOT,
      detached: true, // its own process group, as in a terminal
      env: { ...process.env, CLUSTER_PORT: '0', CLUSTER_STUDIO_PORT: '0', CLUSTER_RTC_PORT: '0', STORECAST_SKIP_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cluster = proc;
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));

    await poll(
      'the cluster ready',
      async () => {
        if (proc.exitCode !== null) throw new Error(`npm run cluster exited (${proc.exitCode}):\n${out}`);
        return /^\[cluster\] ready: 3 nodes/m.test(out);
      },
      150_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${out}`);
    });

    const nodes = [...out.matchAll(/^\[cluster\] (node-[a-z])\s+(http:\/\/\S+)\s+data (\S+)/gm)].map((m) => ({
      id: m[1]!,
      url: m[2]!,
      dataDir: m[3]!,
    }));
    expect(nodes.map((n) => n.id)).toEqual(['node-a', 'node-b', 'node-c']);
    const studios = [...out.matchAll(/^\[cluster\]\s+studio\s+(http:\/\/\S+)/gm)].map((m) => m[1]!);
    const moderators = [...out.matchAll(/^\[cluster\]\s+moderator\s+(http:\/\/\S+)/gm)].map((m) => m[1]!);
    expect(studios).toHaveLength(3);
    expect(moderators).toEqual(nodes.map((n) => `${n.url}/moderator`));
    expect(out).toMatch(/^\[cluster\] Redis\s+redis:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^\[cluster\] PostgreSQL\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/storecast$/m);

    for (const n of nodes) {
      const health = await fetch(`${n.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, node: n.id, redis: true });
    }
    for (const url of [...studios, ...moderators]) expect((await fetch(url)).status).toBe(200);

    // One catalog, seeded once (by the first node), its images served by every node.
    const catalogs = await Promise.all(
      nodes.map(async (n) => ((await (await fetch(`${n.url}/api/products`)).json()) as { products: ProductView[] }).products),
    );
    expect(catalogs[0]!.length).toBeGreaterThan(0);
    expect(new Set(catalogs[0]!.map((p) => p.title)).size).toBe(catalogs[0]!.length);
    for (const c of catalogs) expect(c.map((p) => p.id).sort()).toEqual(catalogs[0]!.map((p) => p.id).sort());
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const image = catalogs[0]!.find((p) => p.images.length > 0)!.images[0]!;
    const thumb = await fetch(new URL(image.thumbUrl, c.url));
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');

    // An order placed on B is in C's studio order list: the same PostgreSQL.
    const session = await fetch(`${b.url}/api/session`, { method: 'POST' });
    const cookie = session.headers
      .getSetCookie()
      .map((s) => s.split(';')[0])
      .join('; ');
    const sku = catalogs[0]!.flatMap((p) => (p.status === 'active' ? p.skus : [])).find((s) => s.active && s.available > 0)!;
    const placed = await fetch(`${b.url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        idempotencyKey: `cluster-script-${Date.now()}`,
        items: [{ skuId: sku.id, qty: 1 }],
        contact: { name: '测试', phone: '13812345678', address: '上海市黄浦区南京东路 1 号' },
      }),
    });
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as OrderView;
    const token = readFileSync(join(c.dataDir, 'studio-token'), 'utf8').trim();
    const listed = (await (
      await fetch(`${c.url}/api/studio/orders`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as OrderList;
    expect(listed.orders.map((o) => o.id)).toContain(order.id);
    const onA = await fetch(`${a.url}/api/studio/orders/${order.id}`, {
      headers: { authorization: `Bearer ${readFileSync(join(a.dataDir, 'studio-token'), 'utf8').trim()}` },
    });
    expect(((await onA.json()) as OrderView).items[0]?.skuId).toBe(sku.id);
    // The buyer's session holds on another node too (one session secret): the balancer may send them anywhere.
    const mine = await fetch(`${c.url}/api/orders/${order.id}`, { headers: { cookie } });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as OrderView).id).toBe(order.id);

    // Staff accounts live in PostgreSQL too: the owner set up on A (with A's one-time code) signs in on B, and that
    // session is good on C; once signed out on C it is over everywhere.
    const setupCode = readFileSync(join(a.dataDir, 'setup-code'), 'utf8').trim();
    const json = { 'content-type': 'application/json' };
    const setup = await fetch(`${a.url}/api/setup`, {
      method: 'POST',
      headers: { ...json, origin: a.url },
      body: JSON.stringify({ name: '店主', password: 'owner-password-1', setupCode }),
    });
    expect(setup.status).toBe(201);
    expect(await (await fetch(`${c.url}/api/setup`)).json()).toEqual({ needed: false });
    const login = await fetch(`${b.url}/api/auth/login`, {
      method: 'POST',
      headers: { ...json, origin: b.url },
      body: JSON.stringify({ name: '店主', password: 'owner-password-1' }),
    });
    expect(login.status).toBe(200);
    const staff = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const me = await fetch(`${c.url}/api/auth/me`, { headers: staff });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'account', account: { name: '店主', role: 'owner' } });
    expect((await fetch(`${c.url}/api/auth/logout`, { method: 'POST', headers: staff })).status).toBe(200);
    expect((await fetch(`${a.url}/api/auth/me`, { headers: staff })).status).toBe(401);

    // Every process the script started, before Ctrl-C.
    tree = descendants(proc.pid!);
    const cmds = tree.map((p) => p.cmd);
    expect(cmds.filter((cmd) => cmd.includes('dist/server/main.mjs')).length).toBeGreaterThanOrEqual(3);
    expect(cmds.some((cmd) => cmd.includes('redis-server'))).toBe(true);
    expect(cmds.filter((cmd) => cmd.includes('postgres')).length).toBeGreaterThanOrEqual(2);
    expect(cmds.filter((cmd) => cmd.includes('mediasoup-worker')).length).toBeGreaterThanOrEqual(3);

    process.kill(-proc.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000))]);
    expect(code, out).not.toBe('timeout');
    expect(out).toMatch(/^\[cluster\] stopped$/m);
    const left = await poll(
      'every process gone',
      async () => {
        const alive = tree.filter(running);
        return alive.length === 0 ? [] : null;
      },
      5000,
    ).catch(() => tree.filter(running).map((p) => `${p.pid} ${p.cmd}`));
    expect(left).toEqual([]);
    for (const n of nodes) expect(existsSync(n.dataDir)).toBe(false);
    for (const n of nodes) await expect(fetch(`${n.url}/healthz`)).rejects.toThrow();
  });
});
