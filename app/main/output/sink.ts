/**
 * One ffmpeg process fed the program stream on stdin: the recording, or one restream target. It reports progress
 * (`-progress pipe:1`: bytes written, media time), keeps the tail of stderr with every secret redacted, bounds what
 * may queue on stdin (a sink that cannot keep up is killed and reported `too_slow`) and classifies how it ended.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { OutputError, OutputErrorCode } from '../../../shared/protocol/host';

export interface SinkProgress {
  /** Bytes the muxer has written. */
  bytes: number;
  /** Media time written (ms). */
  mediaMs: number;
}

export interface SinkExit {
  /** True when the process ended because we closed its input (normal stop). */
  requested: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** null for a clean, requested stop. */
  error: OutputError | null;
}

export interface SinkOptions {
  bin: string;
  args: string[];
  /** Strings that must never appear in messages (stream keys, URLs with keys). */
  secrets: string[];
  /** Bytes allowed to wait on stdin before the sink is declared too slow. */
  maxQueuedBytes: number;
  /** What kind of output this is (classifies ambiguous failures). */
  kind: 'recording' | 'restream';
  onProgress?: (p: SinkProgress) => void;
  onExit: (exit: SinkExit) => void;
}

const STDERR_TAIL_LINES = 20;

/** Replace every secret (and its URL-encoded form) with ***. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}

/** Map ffmpeg's last words to an error code the UI explains. */
export function classifyFailure(stderr: string, kind: SinkOptions['kind']): OutputErrorCode {
  if (/No space left on device|Disk quota exceeded|Read-only file system|Permission denied|Is a directory/i.test(stderr))
    return kind === 'recording' ? 'disk' : 'rejected';
  if (
    /Connection refused|Connection timed out|No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution|Cannot assign requested address|Failed to resolve hostname/i.test(
      stderr,
    )
  )
    return 'refused';
  if (/Server error|NetConnection\.Connect\.Rejected|NetStream\.Publish\.(BadName|Denied)|Unauthorized|forbidden|403/i.test(stderr))
    return 'rejected';
  if (
    /Broken pipe|Connection reset|End of file|Input\/output error|I\/O error|Error writing trailer|av_interleaved_write_frame/i.test(stderr)
  )
    return kind === 'recording' ? 'disk' : 'dropped';
  if (
    /Invalid data found when processing input|could not find codec parameters|Error while decoding|EBML header parsing failed/i.test(stderr)
  )
    return 'input';
  return 'ffmpeg';
}

/** An ffmpeg log line without its `[tcp @ 0x55d…]` context prefix and internal URL options. */
export function tidyLine(line: string): string {
  return line
    .replace(/^(\[[^\]]+ @ 0x[0-9a-f]+\]\s*)+/i, '')
    .replace(/\?tcp_nodelay=\d/g, '')
    .trim();
}

export class FfmpegSink {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderrLines: string[] = [];
  private stderrPartial = '';
  private progressPartial = '';
  private progress: SinkProgress = { bytes: 0, mediaMs: 0 };
  private ending = false;
  private killedFor: OutputError | null = null;
  private exited = false;
  readonly startedAt = Date.now();

  constructor(private readonly opts: SinkOptions) {
    this.child = spawn(opts.bin, opts.args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child.stdin.on('error', () => {}); // EPIPE when ffmpeg died: reported by 'close'
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => this.onProgressText(d));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => this.onStderr(d));
    this.child.on('error', (err) => {
      // spawn failure (ENOENT, EACCES): no 'close' follows for a process that never started
      if (this.exited) return;
      this.exited = true;
      this.opts.onExit({
        requested: false,
        code: null,
        signal: null,
        error: { code: 'no_ffmpeg', message: `cannot run ffmpeg (${this.opts.bin}): ${err.message}` },
      });
    });
    this.child.on('close', (code, signal) => this.onClose(code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get last(): SinkProgress {
    return this.progress;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Queue bytes for ffmpeg. Returns false (and kills the sink) when too much is waiting already. */
  write(bytes: Buffer): boolean {
    if (this.exited || this.ending) return false;
    if (this.child.stdin.writableLength + bytes.length > this.opts.maxQueuedBytes) {
      this.killedFor = {
        code: 'too_slow',
        message:
          this.opts.kind === 'recording'
            ? 'the recording could not be written fast enough (disk too slow or stalled)'
            : 'the connection could not keep up with the stream',
      };
      this.child.kill('SIGKILL');
      return false;
    }
    this.child.stdin.write(bytes);
    return true;
  }

  /** Close stdin: ffmpeg writes what it has (the recording's last fragment) and exits. Killed after `graceMs`. */
  end(graceMs = 10_000): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.ending = true;
    this.child.stdin.end();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      timer.unref?.();
      this.child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stop now (a restream target being removed or restarted). */
  kill(): void {
    if (this.exited) return;
    this.ending = true;
    this.child.kill('SIGKILL');
  }

  private onProgressText(text: string): void {
    const lines = (this.progressPartial + text).split('\n');
    this.progressPartial = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === 'total_size') {
        const n = Number(value);
        if (Number.isFinite(n) && n >= 0) this.progress = { ...this.progress, bytes: n };
      } else if (key === 'out_time_us' || key === 'out_time_ms') {
        // ffmpeg 5 reports both in microseconds
        const n = Number(value);
        if (Number.isFinite(n) && n >= 0) this.progress = { ...this.progress, mediaMs: Math.round(n / 1000) };
      } else if (key === 'progress') {
        this.opts.onProgress?.(this.progress);
      }
    }
  }

  private onStderr(text: string): void {
    const lines = (this.stderrPartial + text).split(/\r?\n|\r/);
    this.stderrPartial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      this.stderrLines.push(redact(line, this.opts.secrets));
      if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.shift();
    }
  }

  /** Last lines ffmpeg printed (secrets redacted). */
  stderrTail(): string {
    const partial = this.stderrPartial.trim() ? [redact(this.stderrPartial, this.opts.secrets)] : [];
    return [...this.stderrLines, ...partial].join('\n');
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    const tail = this.stderrTail();
    let error: OutputError | null = this.killedFor;
    if (!error && !(this.ending && code === 0) && !(this.ending && signal)) {
      const lastLines = [...new Set(tail.split('\n').map(tidyLine).filter(Boolean))].slice(-2).join(' — ');
      error = {
        code: classifyFailure(tail, this.opts.kind),
        message: (lastLines || `ffmpeg exited with ${signal ?? `code ${code}`}`).slice(0, 1000),
      };
    }
    this.opts.onExit({ requested: this.ending && !this.killedFor, code, signal, error });
  }
}
