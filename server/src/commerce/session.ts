import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const BUYER_COOKIE = 'sc_buyer';
const BUYER_ID = /^b_[A-Za-z0-9_-]{16}$/;
const YEAR_S = 365 * 24 * 3600;

/**
 * Guest buyer sessions: an opaque random id in an HMAC-SHA256 signed cookie (@fastify/cookie's signer),
 * HttpOnly, SameSite=Lax, Secure when served over https. Verifying costs one HMAC — cheap on the hot path.
 */
export class BuyerSessions {
  private readonly signer;

  constructor(
    secret: Buffer,
    private readonly secure: boolean,
  ) {
    if (secret.length < 16) throw new Error('sessionSecret must be at least 16 bytes');
    this.signer = fastifyCookie.signerFactory(secret, 'sha256');
  }

  /** The buyer id of a valid signed cookie, else null. */
  read(req: FastifyRequest): string | null {
    const raw = req.cookies?.[BUYER_COOKIE];
    if (!raw) return null;
    const r = this.signer.unsign(raw);
    return r.valid && BUYER_ID.test(r.value) ? r.value : null;
  }

  /** The current buyer, creating a session (Set-Cookie) when there is none. */
  ensure(req: FastifyRequest, reply: FastifyReply, newId: () => string): string {
    const existing = this.read(req);
    if (existing) return existing;
    const id = newId();
    reply.setCookie(BUYER_COOKIE, this.signer.sign(id), {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      maxAge: YEAR_S,
    });
    return id;
  }

  /** A signed cookie value for a buyer id (tests and load generators that speak HTTP directly). */
  sign(buyerId: string): string {
    return this.signer.sign(buyerId);
  }
}
