/**
 * Staff moderation: deleting messages, muting (per show, by identity and its devices), banning (everywhere, the
 * identity and its devices; earlier messages leave every room), slow mode, the announcement, the content filters,
 * and reading the audit log every one of these writes to.
 */
import type { Announcement, FilterSettings } from '../../../shared/protocol/realtime';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Connection } from './connection';
import { actorOf, type HubContext } from './hub-context';
import type { Identity } from './identities';
import type { BlockKey } from './store';

export class Moderation {
  constructor(private readonly ctx: HubContext) {}

  private get now(): number {
    return this.ctx.o.clock();
  }

  deleteMessage(conn: Connection, messageId: string, reason?: string): void {
    const found = conn.room.removeMessage(messageId);
    conn.room.push({ k: 'delete', ids: [messageId] });
    this.ctx.audit(conn, 'message.delete', messageId, reason, { found });
  }

  async mute(conn: Connection, publicId: string, seconds: number, reason?: string): Promise<number | null> {
    const { store } = this.ctx.o;
    const t = await this.ctx.identities.targetAnywhere(publicId);
    if (t.role !== 'viewer') throw new RpcError('FORBIDDEN', 'staff cannot be muted');
    const room = conn.room;
    const until = seconds > 0 ? this.now + seconds * 1000 : null;
    const keys = blockKeys(t);
    await store.setMutes(room.showId, keys, until);
    for (const { kind, value } of keys) room.setMute(`${kind === 'user' ? 'u' : 'd'}:${value}`, until);
    this.ctx.audit(conn, until ? 'user.mute' : 'user.unmute', publicId, reason, { seconds, name: t.name });
    // Cluster mode: every node tells the identity's sockets when the mute arrives with the show's stream.
    if (!room.sink) this.ctx.identities.notifyYou(t.key);
    return until;
  }

  async ban(conn: Connection, publicId: string, reason?: string): Promise<number> {
    const { store } = this.ctx.o;
    const t = await this.ctx.identities.targetAnywhere(publicId);
    if (t.role !== 'viewer') throw new RpcError('FORBIDDEN', 'staff cannot be banned');
    const now = this.now;
    const by = actorOf(conn);
    const banId = await store.insertBan({ publicId, name: t.name, reason: reason ?? null, by: by.id, at: now }, blockKeys(t));
    this.ctx.identities.banned(t, banId, publicId);
    // Remove the user's earlier messages from every room it spoke in.
    let removed = 0;
    for (const room of this.ctx.rooms.values()) {
      const ids = room.removeMessagesOf(t.key);
      if (ids.length) {
        removed += ids.length;
        room.push({ k: 'delete', ids });
      }
    }
    this.ctx.audit(conn, 'user.ban', publicId, reason, { name: t.name, devices: t.devices.size, removed });
    this.ctx.identities.notifyYou(t.key);
    return removed;
  }

  async unban(conn: Connection, publicId: string, reason?: string): Promise<void> {
    const { store } = this.ctx.o;
    const key = await this.ctx.identities.keyOf(publicId);
    const ids = await store.bansFor(publicId, key);
    if (!ids.length && !this.ctx.identities.clusterBanned(publicId)) throw new RpcError('NOT_FOUND', 'user is not banned');
    await store.liftBans(ids, actorOf(conn).id, this.now);
    await this.ctx.identities.unbanned(publicId);
    this.ctx.audit(conn, 'user.unban', publicId, reason, { bans: ids.length });
    if (key) this.ctx.identities.notifyYou(key);
  }

  async bans() {
    return (await this.ctx.o.store.activeBans()).map((b) => ({
      id: b.id,
      userId: b.public_id,
      name: b.name,
      reason: b.reason,
      by: b.created_by,
      at: b.created_at,
      devices: b.devices,
    }));
  }

  async slowMode(conn: Connection, seconds: number): Promise<number> {
    const room = conn.room;
    await this.ctx.o.store.setSlowMode(room.showId, seconds);
    room.slowModeSeconds = seconds;
    room.push({ k: 'slowmode', seconds });
    this.ctx.audit(conn, seconds ? 'slowmode.on' : 'slowmode.off', null, null, { seconds });
    return seconds;
  }

  async announce(conn: Connection, text: string | null): Promise<Announcement | null> {
    const room = conn.room;
    let a: Announcement | null = null;
    if (text !== null) {
      const clean = this.ctx.filters.checkStaff(text, 200);
      if (!clean.ok) throw new RpcError('BAD_REQUEST', `announcement rejected: ${clean.reason}`);
      a = { text: clean.text, by: conn.name, at: this.now };
    }
    await this.ctx.o.store.setAnnouncement(room.showId, a);
    room.announcement = a;
    room.push({ k: 'announcement', announcement: a });
    this.ctx.audit(conn, a ? 'announcement.set' : 'announcement.clear', null, null, a ? { text: a.text } : undefined);
    return a;
  }

  getFilter(): FilterSettings {
    return this.ctx.filters.settings;
  }

  async setFilter(conn: Connection, s: FilterSettings): Promise<FilterSettings> {
    const { added, removed } = await this.ctx.filters.set(s);
    this.ctx.audit(conn, 'filter.set', null, null, {
      words: s.words.length,
      added: added.slice(0, 50),
      removed: removed.slice(0, 50),
      links: s.links,
    });
    return s;
  }

  async auditList(conn: Connection, limit: number, beforeId: number | undefined, thisShow: boolean) {
    await this.ctx.audited();
    return this.ctx.o.store.auditList(thisShow ? conn.room.showId : null, beforeId, limit);
  }
}

/** The identity and its devices, as a ban or a mute holds them. */
function blockKeys(t: Identity): BlockKey[] {
  return [{ kind: 'user', value: t.key }, ...[...t.devices].map((value): BlockKey => ({ kind: 'device', value }))];
}
