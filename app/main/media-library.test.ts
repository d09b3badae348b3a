import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { libraryFileOf, sanitizeMediaName } from '../../shared/protocol/media-library';
import { RpcError } from '../../shared/protocol/rpc';
import { MediaLibrary } from './media-library';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-media-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

describe('media library', () => {
  it('stores a picked file under its content hash and resolves it back', async () => {
    const lib = new MediaLibrary(join(dir, 'media'));
    const r = await lib.import('C:\\Users\\me\\My Clip (final).MP4', chunks('hello ', 'world'));
    expect(r.file).toMatch(/^[0-9a-f]{16}-My_Clip_final\.mp4$/);
    expect(r.path).toBe(`library/${r.file}`);
    expect(r).toMatchObject({ bytes: 11, existed: false });
    expect(libraryFileOf(r.path)).toBe(r.file);
    const abs = await lib.resolve(r.file);
    expect(abs).toBe(join(dir, 'media', r.file));
    expect(await readFile(abs!, 'utf8')).toBe('hello world');
  });

  it('keeps one copy of the same content (a second import says it existed)', async () => {
    const lib = new MediaLibrary(dir);
    const a = await lib.import('a.png', Buffer.from('same bytes'));
    const b = await lib.import('a.png', chunks('same ', 'bytes'));
    expect(b).toEqual({ ...a, existed: true });
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([a.file]);
    expect((await readdir(dir)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('refuses other file types, empty and oversized files, and leaves nothing behind', async () => {
    const lib = new MediaLibrary(dir, 8);
    await expect(lib.import('setup.exe', Buffer.from('MZ'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(lib.import('noext', Buffer.from('x'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(lib.import('empty.png', Buffer.alloc(0))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const big = lib.import('big.mp4', chunks('12345', '67890'));
    await expect(big).rejects.toBeInstanceOf(RpcError);
    await expect(big).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('resolves only library file names that exist (no traversal, no other files)', async () => {
    const lib = new MediaLibrary(join(dir, 'media'));
    const r = await lib.import('logo.webp', Buffer.from('img'));
    for (const bad of ['../secret.png', `${r.file}/..`, r.file.replace(/^./, 'z'), 'studio-settings.json', `../media/${r.file}`, '']) {
      expect(await lib.resolve(bad)).toBeNull();
    }
    expect(await lib.resolve(r.file.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')))).toBeNull();
    expect(libraryFileOf('picked/123-logo.webp')).toBeNull();
    expect(libraryFileOf('library/../../etc/passwd')).toBeNull();
  });

  it('sanitises names: keeps letters of any script, drops path parts and odd characters, caps the length', () => {
    expect(sanitizeMediaName('/tmp/新品 发布会!.JPG')).toBe('新品_发布会.jpg');
    expect(sanitizeMediaName('...png')).toBe('media.png');
    expect(sanitizeMediaName('clip.avi')).toBeNull();
    expect(sanitizeMediaName(`${'😀'.repeat(150)}.png`)).toBe('media.png'); // emoji are not letters
    expect([...(sanitizeMediaName(`${'长'.repeat(150)}.png`) ?? '')].length).toBe(104);
  });
});
