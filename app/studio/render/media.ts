/**
 * Media resolution seam: a source's `MediaRef` → a same-origin URL the page may load and draw without tainting the
 * program canvas. http(s) URLs are fetched (CORS) into blob: URLs (the studio CSP allows blob: images and media).
 * `file` refs: `library/<file>` is a file in the host's media library (served by the host on the studio's origin,
 * see shared/protocol/media-library.ts); other paths resolve only through `files` (a file picked this session while
 * the host could not store it) and otherwise fail with a clear message (the source shows a placeholder).
 */
import { libraryDisplayName, libraryFileOf, type MediaLibraryFile } from '../../../shared/protocol/media-library';
import type { MediaRef } from '../../../shared/scene/primitives';

export class MediaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaUnavailableError';
  }
}

export class MediaResolver {
  private readonly cache = new Map<string, Promise<string>>();
  /** Local files registered in this session (path → blob: URL). */
  private readonly files = new Map<string, string>();

  constructor(
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
    /** URL of a media-library file (null: no host library, e.g. the compositor test page). */
    private readonly libraryUrl: ((file: MediaLibraryFile) => string) | null = null,
  ) {}

  /** Make a picked File resolvable under `path` (e.g. `picked/<name>`). */
  registerFile(path: string, file: Blob): void {
    const old = this.files.get(path);
    if (old) URL.revokeObjectURL(old);
    this.files.set(path, URL.createObjectURL(file));
    this.cache.delete(`file:${path}`);
  }

  resolve(ref: MediaRef): Promise<string> {
    const key = ref.type === 'url' ? `url:${ref.url}` : `file:${ref.path}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.load(ref);
      this.cache.set(key, p);
      // a failure is retried on the next request (file restored, network back)
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async load(ref: MediaRef): Promise<string> {
    if (ref.type === 'file') {
      const lib = libraryFileOf(ref.path);
      if (lib && this.libraryUrl) {
        // Check it is still there so a deleted file gets the "missing" placeholder with its name, not a broken <img>.
        const url = this.libraryUrl(lib);
        const res = await this.fetchImpl(url, { method: 'HEAD' });
        if (!res.ok)
          throw new MediaUnavailableError(
            `${libraryDisplayName(lib)}: ${res.status === 404 ? 'missing from the media library' : `HTTP ${res.status}`}`,
          );
        return url;
      }
      const url = this.files.get(ref.path);
      if (!url) throw new MediaUnavailableError(`${ref.path}: not available on this studio (pick the file again)`);
      return url;
    }
    const res = await this.fetchImpl(ref.url, { mode: 'cors' });
    if (!res.ok) throw new MediaUnavailableError(`${ref.url}: HTTP ${res.status}`);
    return URL.createObjectURL(await res.blob());
  }
}
