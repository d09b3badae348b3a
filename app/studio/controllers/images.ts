/**
 * Product images for the studio page. They live on the server (another origin than the studio page), so they are
 * fetched with CORS and shown through same-origin blob: URLs: the studio's CSP allows blob: images, and drawing
 * them into the program canvas does not taint it (captureStream keeps working). Image paths are immutable
 * (one id per upload), so each is fetched once.
 */
export class ImageCache {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly ready = new Map<string, string>();

  constructor(private readonly fetchBlob: (path: string) => Promise<Blob>) {}

  /** blob: URL of an already loaded image, else null. */
  peek(path: string): string | null {
    return this.ready.get(path) ?? null;
  }

  /** blob: URL for a server image path (rejects if it cannot be loaded; a later call tries again). */
  load(path: string): Promise<string> {
    let p = this.urls.get(path);
    if (!p) {
      p = this.fetchBlob(path).then(
        (blob) => {
          const url = URL.createObjectURL(blob);
          this.ready.set(path, url);
          return url;
        },
        (err: unknown) => {
          this.urls.delete(path);
          throw err;
        },
      );
      this.urls.set(path, p);
    }
    return p;
  }

  /** Forget an image (deleted on the server). */
  drop(path: string): void {
    const url = this.ready.get(path);
    if (url) URL.revokeObjectURL(url);
    this.ready.delete(path);
    this.urls.delete(path);
  }
}
