/** Security headers on every HTTP response. */
import type { FastifyInstance } from 'fastify';

/** CSP directives; exported so other route owners can see (and, if really needed, extend) the policy. */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // React/Vite style attributes and injected <style> from CSS imports.
  'style-src': ["'self'", "'unsafe-inline'"],
  // Product images may be data:/blob: (uploads, previews) or come from https CDNs.
  'img-src': ["'self'", 'data:', 'blob:', 'https:'],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'connect-src': ["'self'", 'ws:', 'wss:'],
  'font-src': ["'self'", 'data:'],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export function contentSecurityPolicy(directives: Record<string, string[]> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/**
 * `connectOrigins`: further origins pages may connect to, read per response (cluster mode: the registered nodes'
 * public URLs, so a page whose node died can ask another one for a placement). Never a wildcard.
 */
export function registerSecurityHeaders(app: FastifyInstance, connectOrigins: () => readonly string[] = () => []): void {
  const csp = contentSecurityPolicy();
  app.addHook('onSend', async (_req, reply, payload) => {
    const extra = connectOrigins();
    reply.header(
      'Content-Security-Policy',
      extra.length === 0 ? csp : contentSecurityPolicy({ ...CSP_DIRECTIVES, 'connect-src': [...CSP_DIRECTIVES['connect-src']!, ...extra] }),
    );
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'strict-origin-when-cross-origin');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    return payload;
  });
}
