/**
 * Chat, likes and follows: a buyer's message passes the shared screen (identity, ban/mute, bucket, filters), then
 * slow mode and the spam guard, and joins the room's next batch; likes are summed per batch; a first follow is
 * announced to the room.
 */
import { randomBytes } from 'node:crypto';
import type { ChatMessage, SendResult } from '../../../shared/protocol/realtime';
import { RpcError } from '../../../shared/protocol/rpc';
import { slowModeWait } from '../../../shared/realtime/flood-guard';
import type { Connection } from './connection';
import { type HubContext, reject, requireIdentity, screen } from './hub-context';

export class Chat {
  private followTotal = 0;
  private msgCounter = 0;
  private readonly bootId = randomBytes(4).toString('base64url').replace(/[-_]/g, 'x');

  constructor(private readonly ctx: HubContext) {}

  async load(): Promise<void> {
    this.followTotal = await this.ctx.o.store.followCount();
  }

  get follows(): number {
    return this.followTotal;
  }

  async send(conn: Connection, raw: string): Promise<SendResult> {
    const key = requireIdentity(conn);
    const result = await this.accept(conn, key, raw);
    if (result.accepted) this.ctx.stats.chatAccepted++;
    else this.ctx.stats.chatRejected++;
    return result;
  }

  private async accept(conn: Connection, key: string, raw: string): Promise<SendResult> {
    const { o } = this.ctx;
    const now = o.clock();
    const room = conn.room;
    const screened = screen(this.ctx, conn, key, raw, 'chat', o.config.maxChatChars, now);
    if (!screened.ok) return screened.result;
    const { limits, content } = screened;
    if (!conn.staff) {
      const slow = slowModeWait(limits.lastSentAt, room.slowModeSeconds, now);
      if (slow > 0) return reject('SLOW_MODE', slow);
      const spam = room.spam.check(key, content.text, now);
      if (spam) return reject(spam);
      room.spam.record(key, content.text, now);
    }
    limits.lastSentAt = now;
    // Cluster mode: the same identity's sockets on other nodes count too.
    const shared = conn.staff ? null : this.ctx.identities.cluster;
    if (shared) {
      const c = o.config;
      const windowMs = Math.max(1000, Math.ceil((c.chatBurst / c.chatRatePerSec) * 1000));
      const gate = await shared.chatGate(room.showId, key, room.slowModeSeconds * 1000, windowMs, c.chatBurst);
      if (!gate.ok) return reject(gate.reason, gate.waitMs);
    }
    const msg: ChatMessage = {
      id: `m_${this.bootId}${(++this.msgCounter).toString(36)}`,
      userId: conn.publicId!,
      name: conn.name,
      role: conn.role,
      text: content.text,
      ts: now,
    };
    room.addChat(key, msg);
    o.observer?.chat(conn, content.text);
    return { accepted: true, id: msg.id, ts: now };
  }

  like(conn: Connection, count: number): number {
    if (!conn.helloDone) throw new RpcError('BAD_STATE', 'send hello first');
    if (this.ctx.identities.isBanned(conn)) throw new RpcError('FORBIDDEN', 'banned');
    this.ctx.o.observer?.like?.(conn, count);
    return conn.room.addLikes(count);
  }

  async follow(conn: Connection): Promise<number> {
    const key = requireIdentity(conn);
    if (this.ctx.identities.isBanned(conn)) throw new RpcError('FORBIDDEN', 'banned');
    if (await this.ctx.o.store.follow(key, conn.name, this.ctx.o.clock())) {
      this.ctx.identities.followed(key);
      this.followTotal++;
      conn.room.push({ k: 'follow', name: conn.name, total: this.followTotal });
      this.ctx.o.observer?.follow(conn);
    }
    return this.followTotal;
  }
}
