import type { Metafile } from 'esbuild';

export function packageDirOf(inputPath: string, cwd?: string): string | null;
export function isNativePackage(pkgDir: string): boolean;
export function checkBundle(
  metafile: Metafile,
  opts: { format: 'esm' | 'cjs'; allowExternal?: (path: string) => boolean; cwd?: string },
): string[];
