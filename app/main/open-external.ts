/**
 * Web-mode `host.openExternal`: hand an http(s) URL to the platform opener (xdg-open / open / start), detached.
 * Resolves false when no opener could be started. The URL was already validated as http(s) by the host contract,
 * and it is passed as a single argv entry (no shell) except on Windows where `start` is a cmd builtin.
 */
import { spawn } from 'node:child_process';

function opener(url: string): { cmd: string; args: string[] } {
  if (process.platform === 'darwin') return { cmd: 'open', args: [url] };
  if (process.platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""', url.replace(/[&^|<>"]/g, (c) => `^${c}`)] };
  return { cmd: 'xdg-open', args: [url] };
}

export function openExternalDetached(url: string): Promise<boolean> {
  if (!/^https?:\/\//.test(url)) return Promise.resolve(false);
  const { cmd, args } = opener(url);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, { detached: true, stdio: 'ignore', windowsHide: true });
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

/** Web-mode `output.openFolder`: show a local folder in the file manager (explorer / open / xdg-open), detached. */
export function openPathDetached(path: string): Promise<boolean> {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, [path], { detached: true, stdio: 'ignore', windowsHide: true });
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
