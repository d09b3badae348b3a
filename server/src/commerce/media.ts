import { mkdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { badRequest } from './errors';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const LARGE = 1200;
const THUMB = 320;

/** Product images on disk: `<dataDir>/media/products/<imageId>-{large,thumb}.webp`, served at `/media/products/…`. */
export class MediaStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'media', 'products');
    mkdirSync(this.dir, { recursive: true });
  }

  file(imageId: string, size: 'large' | 'thumb'): string {
    return join(this.dir, `${imageId}-${size}.webp`);
  }

  /** Decode (any format sharp reads), auto-rotate, write a large WebP and a square thumbnail. Returns the large size. */
  async ingest(imageId: string, input: Buffer): Promise<{ width: number; height: number }> {
    let large: { data: Buffer; info: { width: number; height: number } };
    let thumb: Buffer;
    try {
      const base = sharp(input, { limitInputPixels: 40_000_000, failOn: 'error' }).rotate();
      large = await base
        .clone()
        .resize({ width: LARGE, height: LARGE, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
      thumb = await base
        .clone()
        .resize({ width: THUMB, height: THUMB, fit: 'cover', position: 'attention' })
        .webp({ quality: 78 })
        .toBuffer();
    } catch (err) {
      throw badRequest(`not a readable image: ${(err as Error).message}`, 'IMAGE_INVALID');
    }
    await this.write(this.file(imageId, 'large'), large.data);
    await this.write(this.file(imageId, 'thumb'), thumb);
    return { width: large.info.width, height: large.info.height };
  }

  async remove(imageId: string): Promise<void> {
    await Promise.all([rm(this.file(imageId, 'large'), { force: true }), rm(this.file(imageId, 'thumb'), { force: true })]);
  }

  private async write(path: string, data: Buffer): Promise<void> {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }
}
