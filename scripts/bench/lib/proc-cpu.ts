/**
 * CPU time of a process from /proc/<pid>/stat (Linux): utime + stime (fields 14 and 15, in clock ticks).
 * Used to measure the mediasoup worker processes and the server's Node process from outside.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clkTck: number | null = null;

/** Clock ticks per second (sysconf(_SC_CLK_TCK); 100 on every mainstream Linux). */
export function clockTicksPerSecond(): number {
  if (clkTck === null) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU seconds (user + system) the process has used so far, or null if it does not exist. */
export function processCpuSeconds(pid: number): number | null {
  return cpuSecondsOf(`/proc/${pid}/stat`);
}

/**
 * CPU seconds one thread of a process has used so far (default: its main thread, whose id is the pid), or null. A
 * Node server's requests all run there, so its CPU per request holds on a busy machine where wall times do not.
 */
export function threadCpuSeconds(pid: number, tid = pid): number | null {
  return cpuSecondsOf(`/proc/${pid}/task/${tid}/stat`);
}

function cpuSecondsOf(statFile: string): number | null {
  let text: string;
  try {
    text = readFileSync(statFile, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state) → field n is rest[n - 3].
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / clockTicksPerSecond();
}

/** Sum of processCpuSeconds over pids (missing ones count 0). */
export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? 0), 0);
}

/** Direct children of `ppid` (scanning /proc), optionally only those whose command name starts with `commPrefix`. */
export function childPidsOf(ppid: number, commPrefix?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const comm = text.slice(open + 1, close);
    const parent = Number(text.slice(close + 2).split(' ')[1]);
    if (parent === ppid && (!commPrefix || comm.startsWith(commPrefix))) out.push(Number(entry));
  }
  return out;
}
