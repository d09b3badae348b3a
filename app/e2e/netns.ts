/**
 * Network impairment for weak-network tests and benches: a network namespace joined to the root namespace by a veth
 * pair on a private /30 the test owns. The server listens on the root side's address; a browser (or a Node peer) runs
 * inside the namespace and reaches the server only through the veth, where the test caps bandwidth (tc tbf), drops
 * UDP or a share of packets (nftables in the namespace) and takes the link down and up.
 *
 * Needs root, `ip` (iproute2), `tc` and `nft` (nftables). Nothing leaves the machine: the namespace has no route but
 * the /30. Namespaces are named `<prefix>-<pid>-<n>`, so `sweepNamespaces` removes those of a test run that died
 * without cleaning up (its pid is gone) and never those of a run still going.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NETNS_PREFIX = 'scwn';
/** The /16 the test links take their /30s from (private, never routed off this machine by these tests). */
const NET_BASE = [10, 213] as const;

function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kill what still runs inside a namespace (browsers this run started in it), then delete it (its veth goes too). */
function deleteNamespace(name: string): void {
  let pids: number[] = [];
  try {
    pids = run('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // already gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  try {
    run('ip', ['netns', 'del', name]);
  } catch {
    // already gone
  }
}

/** Delete the namespaces with `prefix` left by test runs whose process is gone. */
export function sweepNamespaces(prefix = NETNS_PREFIX): string[] {
  const swept: string[] = [];
  let list = '';
  try {
    list = run('ip', ['netns', 'list']);
  } catch {
    return swept;
  }
  const re = new RegExp(`^${prefix}-(\\d+)-\\d+\\b`);
  for (const line of list.split('\n')) {
    const m = re.exec(line.trim());
    if (!m || pidAlive(Number(m[1]))) continue;
    const name = line.trim().split(/\s/)[0]!;
    deleteNamespace(name);
    swept.push(name);
  }
  return swept;
}

/** A /30 of NET_BASE that no interface of the root namespace uses yet: [.., host side, namespace side]. */
function freeSubnet(): { host: string; ns: string } {
  const used = run('ip', ['-o', '-4', 'addr', 'show']);
  for (let i = 0; i < 64; i++) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    const net = `${NET_BASE[0]}.${NET_BASE[1]}.${third}.`;
    const taken = [0, 1, 2, 3].some((k) => used.includes(` ${net}${fourth + k}/`));
    if (!taken) return { host: `${net}${fourth + 1}`, ns: `${net}${fourth + 2}` };
  }
  throw new Error(`no free /30 in ${NET_BASE.join('.')}.0.0/16`);
}

export interface Impairment {
  /** Drop every UDP packet in and out of the namespace (TCP still passes). */
  blockUdp?: boolean;
  /** Drop this percentage (0‥100) of UDP packets in each direction, at random. */
  udpLossPercent?: number;
}

export interface NetLink {
  /** Namespace name. */
  readonly name: string;
  /** Root-namespace side: the server listens here. */
  readonly hostIp: string;
  /** Namespace side: the impaired peer's address. */
  readonly nsIp: string;
  readonly hostIf: string;
  readonly nsIf: string;
  /** An executable that runs /usr/bin/chromium (or CHROMIUM_BIN) inside the namespace, for playwright's executablePath. */
  readonly chromium: string;
  /** Run a command inside the namespace. */
  exec(cmd: string, args: string[]): string;
  /** Start a long-running process inside the namespace (stdout/stderr piped); close() kills it if it still runs. */
  spawn(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }): ChildProcess;
  /**
   * Cap what the namespace receives (server → peer) at `kbit` kbit/s (tc tbf on the root side), with a queue of
   * `queueMs` (default 200) before the link drops; null lifts it.
   */
  capDownlink(kbit: number | null, queueMs?: number): void;
  /** Cap what the namespace sends (peer → server) the same way (tc tbf on the namespace side). */
  capUplink(kbit: number | null, queueMs?: number): void;
  /** Replace the namespace's packet filter (nftables) with these rules; `{}` lets everything through. */
  impair(impairment: Impairment): void;
  /** Packets the filter dropped so far (from its rule counters). */
  dropped(): number;
  /** Take the namespace side of the link down (the peer sees its network vanish) or back up. */
  setLink(up: boolean): void;
  close(): void;
}

let seq = 0;

/**
 * Create a namespace joined by a fresh veth pair. Fails with a clear message where namespaces cannot be made (not root,
 * no iproute2): weak-network tests must fail there, not pass by skipping.
 */
export function createNetLink(prefix = NETNS_PREFIX): NetLink {
  sweepNamespaces(prefix);
  const n = seq++;
  const name = `${prefix}-${process.pid}-${n}`;
  const tag = `${process.pid.toString(36)}${n.toString(36)}`.slice(-9);
  const hostIf = `${prefix}${tag}h`;
  const nsIf = `${prefix}${tag}n`;
  try {
    run('ip', ['netns', 'add', name]);
  } catch (e) {
    throw new Error(`weak-network tests need network namespaces (root, iproute2 and a kernel that allows them): ${(e as Error).message}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const closeAll = () => {
    deleteNamespace(name);
    try {
      run('ip', ['link', 'del', hostIf]);
    } catch {
      // went with the namespace
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const { host: hostIp, ns: nsIp } = freeSubnet();
    run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', name]);
    run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    run('ip', ['link', 'set', hostIf, 'up']);
    run('ip', ['-n', name, 'addr', 'add', `${nsIp}/30`, 'dev', nsIf]);
    run('ip', ['-n', name, 'link', 'set', nsIf, 'up']);
    run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);

    const chromium = join(tmp, 'chromium-in-netns');
    const bin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
    // playwright drives the browser over a pipe (inherited fds), so the namespace boundary does not matter to it.
    writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec '${name}' '${bin}' "$@"\n`);
    chmodSync(chromium, 0o755);

    const setCap = (netns: string | null, dev: string, kbit: number | null, queueMs = 200) => {
      const pre = netns ? ['-n', netns] : [];
      if (kbit === null) {
        try {
          run('tc', [...pre, 'qdisc', 'del', 'dev', dev, 'root']);
        } catch {
          // no cap was set
        }
        return;
      }
      // The burst lets about one video frame through at line rate; the queue is what the access link buffers.
      run('tc', [...pre, 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '16kb', 'latency', `${queueMs}ms`]);
    };

    let filterInstalled = false;
    const exec = (cmd: string, args: string[]) => run('ip', ['netns', 'exec', name, cmd, ...args]);
    const nft = (script: string) => run('ip', ['netns', 'exec', name, 'nft', '-f', '-'], script);
    return {
      name,
      hostIp,
      nsIp,
      hostIf,
      nsIf,
      chromium,
      exec,
      spawn: (cmd, args, opts = {}) => spawn('ip', ['netns', 'exec', name, cmd, ...args], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] }),
      capDownlink: (kbit, queueMs) => setCap(null, hostIf, kbit, queueMs),
      capUplink: (kbit, queueMs) => setCap(name, nsIf, kbit, queueMs),
      impair(imp) {
        const rules: string[] = [];
        if (imp.blockUdp) rules.push('meta l4proto udp counter drop');
        const loss = imp.udpLossPercent ?? 0;
        if (loss > 0) rules.push(`meta l4proto udp numgen random mod 100 < ${Math.round(loss)} counter drop`);
        const chain = (hook: string) =>
          `  chain ${hook} {\n    type filter hook ${hook} priority 0; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`;
        const script =
          `${filterInstalled ? 'delete table inet storecast_wn\n' : ''}` +
          `table inet storecast_wn {\n${chain('input')}${chain('output')}}\n`;
        try {
          nft(script);
        } catch (e) {
          throw new Error(`nftables is needed for packet loss / UDP blocking (apt-get install nftables): ${(e as Error).message}`);
        }
        filterInstalled = true;
      },
      dropped() {
        if (!filterInstalled) return 0;
        const out = exec('nft', ['list', 'table', 'inet', 'storecast_wn']);
        let total = 0;
        for (const m of out.matchAll(/packets (\d+)/g)) total += Number(m[1]);
        return total;
      },
      setLink: (up) => run('ip', ['-n', name, 'link', 'set', nsIf, up ? 'up' : 'down']),
      close: closeAll,
    };
  } catch (e) {
    closeAll();
    throw e;
  }
}
