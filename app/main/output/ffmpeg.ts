/**
 * Which ffmpeg binary the studio runs: `FFMPEG_BIN` if set → ffmpeg-static's binary when that package is installed
 * and its file exists → `ffmpeg` found on PATH. None of them → a clear error the Output panel shows.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export type FfmpegResolution = { ok: true; path: string; source: 'env' | 'ffmpeg-static' | 'path' } | { ok: false; message: string };

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (process.platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** ffmpeg-static exports the path of its downloaded binary (inside app.asar.unpacked when packaged). */
function ffmpegStaticPath(): string | null {
  try {
    const require = createRequire(join(process.cwd(), 'package.json'));
    const value: unknown = require('ffmpeg-static');
    if (typeof value !== 'string') return null;
    return value.replace(
      `app.asar${process.platform === 'win32' ? '\\' : '/'}`,
      `app.asar.unpacked${process.platform === 'win32' ? '\\' : '/'}`,
    );
  } catch {
    return null;
  }
}

function onPath(env: NodeJS.ProcessEnv): string | null {
  const names = process.platform === 'win32' ? ['ffmpeg.exe', 'ffmpeg.cmd'] : ['ffmpeg'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const file = join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return null;
}

export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegResolution {
  const fromEnv = env.FFMPEG_BIN?.trim();
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { ok: true, path: fromEnv, source: 'env' };
    return { ok: false, message: `FFMPEG_BIN is set to ${fromEnv}, but no executable file is there` };
  }
  const bundled = ffmpegStaticPath();
  if (bundled && isExecutable(bundled)) return { ok: true, path: bundled, source: 'ffmpeg-static' };
  const found = onPath(env);
  if (found) return { ok: true, path: found, source: 'path' };
  return {
    ok: false,
    message:
      'ffmpeg was not found: install ffmpeg (e.g. apt install ffmpeg, brew install ffmpeg, or winget install ffmpeg) or set FFMPEG_BIN to its path',
  };
}
