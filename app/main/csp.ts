/**
 * Content-Security-Policy of the studio page (sent as a response header by the web host and the Electron
 * app:// handler; app/studio/index.html carries the same policy in a meta tag).
 * connect-src allows any ws/http(s) origin because the publishing server is configurable (local or remote).
 */
export const STUDIO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "worker-src 'self' blob:",
  "connect-src 'self' ws: wss: http: https:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
