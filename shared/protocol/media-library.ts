/**
 * The studio's media library: files the streamer picks for image / slideshow / media-file sources are copied into the
 * host's data dir (Electron userData, or the data dir in web mode) so scene collections keep working across restarts
 * and exports. A source refers to a library file as `{ type: 'file', path: 'library/<file>' }`.
 *
 * Import: web mode `PUT <MEDIA_HTTP_PATH>/<name>` (raw bytes, token header) to the web host; Electron: the
 * MEDIA_IMPORT_CHANNEL IPC message with (name, bytes). Both answer a MediaImportResult.
 * Serving: `<MEDIA_HTTP_PATH>/<file>` on the studio's own origin (web host: with the host token as a query parameter;
 * Electron: the app:// scheme), with byte ranges so videos seek.
 */
import { z } from 'zod';

export const MEDIA_HTTP_PATH = '/host/media';
export const MEDIA_TOKEN_HEADER = 'x-storecast-host-token';
export const MEDIA_IMPORT_CHANNEL = 'host-media:import';
export const MEDIA_REF_PREFIX = 'library/';
/** Largest file the library takes (a long 1080p loop fits; a whole film does not). */
export const MEDIA_IMPORT_MAX_BYTES = 1024 * 1024 * 1024;

/** File types the library accepts (what the image and media-file sources can play), by lower-case extension. */
export const MEDIA_EXTENSIONS = [
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'bmp',
  'avif',
  'mp4',
  'm4v',
  'webm',
  'mov',
  'mkv',
  'ogv',
  'mp3',
  'm4a',
  'ogg',
  'wav',
] as const;

/** A stored library file name: 16 hex digits of the content's SHA-256, a dash, the sanitised original name. */
export const MediaLibraryFile = z
  .string()
  .max(140)
  .regex(/^[0-9a-f]{16}-[\p{L}\p{N}_-]{1,100}\.[a-z0-9]{2,5}$/u, 'not a media library file name');
export type MediaLibraryFile = z.infer<typeof MediaLibraryFile>;

/** A picked file's name as sent with an import (validated and sanitised by the host). */
export const MediaImportName = z.string().min(1).max(255);

export const MediaImportResult = z.object({
  /** The MediaRef path to store: `library/<file>`. */
  path: z.string(),
  file: MediaLibraryFile,
  bytes: z.number().int().nonnegative(),
  /** The same content was already in the library (nothing was written). */
  existed: z.boolean(),
});
export type MediaImportResult = z.infer<typeof MediaImportResult>;

/** The library file a MediaRef path points at, or null when it is not a (valid) library path. */
export function libraryFileOf(path: string): MediaLibraryFile | null {
  if (!path.startsWith(MEDIA_REF_PREFIX)) return null;
  const parsed = MediaLibraryFile.safeParse(path.slice(MEDIA_REF_PREFIX.length));
  return parsed.success ? parsed.data : null;
}

/** A library file's name as the streamer picked it (sanitised), without the content hash. */
export function libraryDisplayName(file: MediaLibraryFile): string {
  return file.slice(file.indexOf('-') + 1);
}

/**
 * The stored name for a picked file: the base name with anything but letters, digits, '.', '-' and '_' replaced,
 * at most 100 characters, keeping the extension; null when the extension is not one the library takes.
 */
export function sanitizeMediaName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = base.slice(dot + 1).toLowerCase();
  if (!(MEDIA_EXTENSIONS as readonly string[]).includes(ext)) return null;
  const cleaned = base
    .slice(0, dot)
    .replace(/[^\p{L}\p{N}_-]+/gu, '_')
    .replace(/^_+|_+$/g, '');
  const stem = [...cleaned].slice(0, 100).join('') || 'media'; // by code point: never split a surrogate pair
  return `${stem}.${ext}`;
}
