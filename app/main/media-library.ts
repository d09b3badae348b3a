/**
 * The studio's media library on disk (see shared/protocol/media-library.ts): picked files are streamed into a temp
 * file while hashed, then renamed to `<sha256 16 hex>-<sanitised name>` — the same content is stored once, a failed or
 * oversized import leaves nothing behind, and a name can never point outside the folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  MEDIA_IMPORT_MAX_BYTES,
  MEDIA_REF_PREFIX,
  MediaLibraryFile,
  type MediaImportResult,
  sanitizeMediaName,
} from '../../shared/protocol/media-library';
import { RpcError } from '../../shared/protocol/rpc';

export class MediaLibrary {
  constructor(
    readonly dir: string,
    private readonly maxBytes = MEDIA_IMPORT_MAX_BYTES,
  ) {}

  /**
   * Store a picked file. `source` is the file's bytes (a stream for HTTP uploads, a buffer over IPC).
   * Errors: BAD_REQUEST (file type the library does not take, empty file), TOO_LARGE.
   */
  async import(name: string, source: AsyncIterable<Uint8Array> | Uint8Array): Promise<MediaImportResult> {
    const clean = sanitizeMediaName(name);
    if (!clean) throw new RpcError('BAD_REQUEST', `${name}: not an image, video or audio file the studio can use`);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.import-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let bytes = 0;
    const max = this.maxBytes;
    const input = source instanceof Uint8Array ? Readable.from([source]) : Readable.from(source);
    try {
      await pipeline(
        input,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            bytes += chunk.byteLength;
            if (bytes > max) throw new RpcError('TOO_LARGE', `${name}: larger than ${Math.round(max / 1024 / 1024)} MB`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: 0o600 }),
      );
      if (bytes === 0) throw new RpcError('BAD_REQUEST', `${name}: the file is empty`);
      const file = MediaLibraryFile.parse(`${hash.digest('hex').slice(0, 16)}-${clean}`);
      const target = join(this.dir, file);
      const existed = await stat(target).then(
        (s) => s.isFile() && s.size === bytes,
        () => false,
      );
      if (existed) await unlink(tmp);
      else await rename(tmp, target);
      return { path: `${MEDIA_REF_PREFIX}${file}`, file, bytes, existed };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  /** Absolute path of a stored file, or null for a name that is not a library file or does not exist. */
  async resolve(file: string): Promise<string | null> {
    const parsed = MediaLibraryFile.safeParse(file);
    if (!parsed.success) return null;
    const path = join(this.dir, parsed.data);
    return stat(path).then(
      (s) => (s.isFile() ? path : null),
      () => null,
    );
  }
}
