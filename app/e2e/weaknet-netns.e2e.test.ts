/**
 * The impairment harness itself (netns.ts), with plain sockets: a Node process inside the namespace sends UDP and
 * opens TCP connections to a listener on the root side of the veth, so each impairment is shown to do what the
 * weak-network scenarios rely on (and the harness to clean up after itself).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetLink, type NetLink, sweepNamespaces } from './netns';

/** Runs inside the namespace: sends `count` UDP datagrams to host:port, then tries a TCP connect; prints the result. */
const SENDER = `
const dgram = require('node:dgram'), net = require('node:net');
const [host, port, count] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
let i = 0;
const next = () => {
  if (i >= Number(count)) { s.close(); return tcp(); }
  s.send(Buffer.from(String(i++)), Number(port), host, () => setTimeout(next, 1));
};
const tcp = () => {
  const c = net.connect({ host, port: Number(port), timeout: 1500 });
  c.on('connect', () => { console.log('tcp ok'); c.destroy(); });
  c.on('timeout', () => { console.log('tcp timeout'); c.destroy(); });
  c.on('error', (e) => console.log('tcp ' + e.code));
};
next();
`;

describe('netns harness', () => {
  let link: NetLink;
  let port: number;
  let received = 0;
  const udp = createSocket('udp4');
  const tcp = createServer((c) => c.destroy());

  beforeAll(async () => {
    link = createNetLink();
    udp.on('message', () => received++);
    await new Promise<void>((r) => udp.bind(0, link.hostIp, r));
    port = udp.address().port;
    await new Promise<void>((r) => tcp.listen(port, link.hostIp, r));
  });
  afterAll(() => {
    udp.close();
    tcp.close();
    link?.close();
  });

  async function send(count: number): Promise<{ udp: number; tcp: string }> {
    received = 0;
    // Asynchronously: this process's event loop must keep reading the datagrams meanwhile.
    const { stdout } = await promisify(execFile)('ip', [
      'netns',
      'exec',
      link.name,
      process.execPath,
      '-e',
      SENDER,
      link.hostIp,
      String(port),
      String(count),
    ]);
    const out = stdout.trim();
    await new Promise((r) => setTimeout(r, 200)); // the last datagrams arrive
    return { udp: received, tcp: out };
  }

  it('passes UDP and TCP unimpaired, blocks UDP only, drops about the share asked, and takes the link down', async () => {
    expect(await send(200)).toEqual({ udp: 200, tcp: 'tcp ok' });

    link.impair({ blockUdp: true });
    expect(await send(100)).toEqual({ udp: 0, tcp: 'tcp ok' });
    expect(link.dropped()).toBeGreaterThanOrEqual(100);

    link.impair({ udpLossPercent: 15 });
    const lossy = await send(1000);
    expect(lossy.tcp).toBe('tcp ok');
    expect(lossy.udp).toBeGreaterThan(780); // 850 expected; binomial sd ≈ 11
    expect(lossy.udp).toBeLessThan(920);

    link.impair({});
    link.setLink(false);
    const down = await send(50);
    expect(down.udp).toBe(0);
    expect(down.tcp).not.toBe('tcp ok');
    link.setLink(true);
    expect(await send(50)).toEqual({ udp: 50, tcp: 'tcp ok' });
  });

  it('caps either direction with tbf and lifts the caps', () => {
    const qdisc = (ns: string[], dev: string) => execFileSync('tc', [...ns, 'qdisc', 'show', 'dev', dev], { encoding: 'utf8' });
    link.capDownlink(600);
    link.capUplink(1500, 400);
    expect(qdisc([], link.hostIf)).toMatch(/tbf .*rate 600Kbit .*lat 200ms/);
    expect(qdisc(['-n', link.name], link.nsIf)).toMatch(/tbf .*rate 1500Kbit .*lat 400ms/);
    link.capDownlink(null);
    link.capUplink(null);
    expect(qdisc([], link.hostIf)).not.toMatch(/tbf/);
    expect(qdisc(['-n', link.name], link.nsIf)).not.toMatch(/tbf/);
  });

  it('sweeps namespaces of dead runs only, and close() removes its own', () => {
    const names = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const dead = `scwn-999999999-${process.pid}`; // no such pid
    execFileSync('ip', ['netns', 'add', dead]);
    expect(sweepNamespaces()).toContain(dead);
    expect(names()).toContain(link.name); // this run's, still in use
    const other = createNetLink();
    try {
      expect(names()).toContain(other.name);
    } finally {
      other.close();
    }
    expect(names()).not.toContain(other.name);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(other.hostIf);
  });
});
