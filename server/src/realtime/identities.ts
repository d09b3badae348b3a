/**
 * Who is who on the realtime sockets: identity keys and their public ids, open sockets per identity (private
 * answers, `you` updates, an order's status to its buyer), recently seen identities (moderation targets), bans by
 * identity and by device (a banned device that comes back with a new identity is banned again), mutes per room.
 */
import { createHmac } from 'node:crypto';
import type { YouState } from '../../../shared/protocol/realtime';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import type { ClusterCtl } from './cluster-ctl';
import type { Connection } from './connection';
import { notificationFrame } from './hub-context';
import type { BlockKey, RealtimeStore } from './store';

export interface Identity {
  key: string;
  name: string;
  role: Connection['role'];
  devices: Set<string>;
}

const MAX_IDENTITIES = 200_000;

export class Identities {
  /** Open connections by identity key. */
  private readonly byKey = new Map<string, Set<Connection>>();
  /** Recently seen identities by public id, LRU-bounded. */
  private readonly recent = new Map<string, Identity>();
  private bannedKeys = new Map<string, number>();
  private bannedDevices = new Map<string, number>();
  /** Cluster mode: the cluster's bans (`u:<key>` / `d:<device>` → public id) and the link to the other nodes. */
  private clusterBans = new Map<string, string>();
  private ctl: ClusterCtl | null = null;

  /** Identities with a socket here that follow the shop (read at hello, kept while they have sockets). */
  private following = new Set<string>();

  constructor(private readonly d: { store: RealtimeStore; log: Logger; idKey: Buffer; clock: () => number }) {}

  /** Cluster mode: share identities, bans and per-identity frames with the other nodes. */
  attachCluster(ctl: ClusterCtl): void {
    this.ctl = ctl;
  }

  /** Cluster mode: the link to the other nodes (null on one node). */
  get cluster(): ClusterCtl | null {
    return this.ctl;
  }

  /** Cluster mode: the cluster's bans were read. */
  setClusterBans(bans: Map<string, string>): void {
    const before = this.clusterBans;
    this.clusterBans = bans;
    for (const key of this.byKey.keys()) if (bans.has(`u:${key}`) !== before.has(`u:${key}`)) this.notifyYouHere(key);
  }

  /** Cluster mode: whether the cluster's bans hold this public id. */
  clusterBanned(publicId: string): boolean {
    for (const p of this.clusterBans.values()) if (p === publicId) return true;
    return false;
  }

  publicIdOf(key: string): string {
    return `u_${createHmac('sha256', this.d.idKey).update(key).digest('base64url').slice(0, 16)}`;
  }

  /** Complete `hello`: set identity fields, index, apply a device ban to a new identity (ban evasion). */
  async identify(
    conn: Connection,
    fields: { key: string | null; role: Connection['role']; name: string; deviceId: string },
  ): Promise<void> {
    if (conn.key) this.unindex(conn);
    conn.key = fields.key;
    conn.role = fields.role;
    conn.name = fields.name;
    conn.deviceId = fields.deviceId;
    conn.publicId = fields.key ? this.publicIdOf(fields.key) : null;
    conn.helloDone = true;
    this.index(conn);
    this.remember(conn);
    if (conn.key && !conn.staff) {
      const deviceBan = this.bannedDevices.get(fields.deviceId);
      const keyBan = this.bannedKeys.get(conn.key);
      if (deviceBan !== undefined && keyBan === undefined) {
        // Same device, new cookie/account: extend the ban to the new identity.
        this.bannedKeys.set(conn.key, deviceBan);
        this.keepBanKey(deviceBan, { kind: 'user', value: conn.key });
        this.d.log.info({ banId: deviceBan }, 'banned device came back with a new identity; ban extended');
      } else if (keyBan !== undefined && deviceBan === undefined) {
        this.bannedDevices.set(fields.deviceId, keyBan);
        this.keepBanKey(keyBan, { kind: 'device', value: fields.deviceId });
      }
    }
    const key = conn.key;
    if (key && !this.following.has(key) && (await this.d.store.isFollowing(key)) && this.byKey.has(key)) this.following.add(key);
  }

  /** The ban holds at once here; stored in the background (a failure is logged, the ban holds until restart). */
  private keepBanKey(banId: number, key: BlockKey): void {
    this.d.store.addBanKey(banId, key).catch((err) => this.d.log.error({ err, banId }, 'ban key not stored'));
  }

  /** This identity now follows the shop. */
  followed(key: string): void {
    if (this.byKey.has(key)) this.following.add(key);
  }

  /** The socket closed. */
  forget(conn: Connection): void {
    if (conn.key) this.unindex(conn);
  }

  /** The open sockets of an identity. */
  socketsOf(key: string): Iterable<Connection> {
    return this.byKey.get(key) ?? [];
  }

  /** A frame to every socket of an identity (on every node in cluster mode). */
  sendTo(key: string, frame: string): void {
    if (this.ctl?.to(key, frame)) return;
    this.sendHere(key, frame);
  }

  sendHere(key: string, frame: string): void {
    for (const c of this.socketsOf(key)) c.sendText(frame);
  }

  isBanned(conn: Connection): boolean {
    if (conn.staff) return false;
    const { key, deviceId } = conn;
    return (
      (key !== null && (this.bannedKeys.has(key) || this.clusterBans.has(`u:${key}`))) ||
      (deviceId !== null && (this.bannedDevices.has(deviceId) || this.clusterBans.has(`d:${deviceId}`)))
    );
  }

  mutedUntil(conn: Connection): number | null {
    if (conn.staff) return null;
    const now = this.d.clock();
    const a = conn.key ? (conn.room.mutes.get(`u:${conn.key}`) ?? 0) : 0;
    const b = conn.deviceId ? (conn.room.mutes.get(`d:${conn.deviceId}`) ?? 0) : 0;
    const until = Math.max(a, b);
    return until > now ? until : null;
  }

  you(conn: Connection): YouState {
    const banned = this.isBanned(conn);
    return {
      userId: conn.publicId,
      name: conn.name,
      role: conn.role,
      canPost: conn.key !== null && !banned,
      banned,
      mutedUntil: this.mutedUntil(conn),
      following: conn.key !== null && this.following.has(conn.key),
    };
  }

  /** Tell every socket of an identity its new `you` state (muted, banned, unbanned), on every node in cluster mode. */
  notifyYou(key: string): void {
    if (this.ctl?.you(key)) return;
    this.notifyYouHere(key);
  }

  notifyYouHere(key: string): void {
    for (const c of this.socketsOf(key)) c.sendText(notificationFrame('you', this.you(c)));
  }

  /** Resolve a public user id to an identity (recently connected, or a question asker). */
  async target(publicId: string): Promise<Identity> {
    const id = this.recent.get(publicId);
    if (id) return id;
    const asker = await this.d.store.askerByPublic(publicId);
    if (asker) return { key: asker.key, name: asker.name, role: 'viewer', devices: new Set() };
    throw new RpcError('NOT_FOUND', 'unknown user');
  }

  /** `target`, or in cluster mode an identity another node saw. */
  async targetAnywhere(publicId: string): Promise<Identity> {
    try {
      return await this.target(publicId);
    } catch (err) {
      const shared = await this.ctl?.lookup(publicId);
      if (!shared) throw err;
      return { key: shared.key, name: shared.name, role: shared.role, devices: new Set(shared.devices) };
    }
  }

  /** The identity key behind a public id, '' when unknown. */
  async keyOf(publicId: string): Promise<string> {
    return this.recent.get(publicId)?.key ?? (await this.d.store.askerByPublic(publicId))?.key ?? '';
  }

  /** A ban was stored: it applies at once to the identity and its devices (on every node in cluster mode). */
  banned(t: Identity, banId: number, publicId: string): void {
    this.bannedKeys.set(t.key, banId);
    for (const d of t.devices) this.bannedDevices.set(d, banId);
    const fields = [`u:${t.key}`, ...[...t.devices].map((d) => `d:${d}`)];
    for (const f of fields) this.clusterBans.set(f, publicId);
    this.ctl?.ban(publicId, fields).catch((err) => this.d.log.warn({ err: (err as Error).message }, 'ban not shared with the other nodes'));
  }

  /** Bans were lifted in the store: read them again (and lift them on every node in cluster mode). */
  async unbanned(publicId: string): Promise<void> {
    await this.loadBans();
    for (const [f, p] of this.clusterBans) if (p === publicId) this.clusterBans.delete(f);
    this.ctl?.unban(publicId).catch((err) => this.d.log.warn({ err: (err as Error).message }, 'unban not shared with the other nodes'));
  }

  async loadBans(): Promise<void> {
    const keys = new Map<string, number>();
    const devices = new Map<string, number>();
    for (const k of await this.d.store.activeBanKeys()) (k.kind === 'user' ? keys : devices).set(k.value, k.ban_id);
    this.bannedKeys = keys;
    this.bannedDevices = devices;
  }

  private index(conn: Connection): void {
    if (!conn.key) return;
    let set = this.byKey.get(conn.key);
    if (!set) {
      set = new Set();
      this.byKey.set(conn.key, set);
    }
    set.add(conn);
  }

  private unindex(conn: Connection): void {
    if (!conn.key) return;
    const set = this.byKey.get(conn.key);
    set?.delete(conn);
    if (set && !set.size) {
      this.byKey.delete(conn.key);
      this.following.delete(conn.key);
    }
  }

  private remember(conn: Connection): void {
    if (!conn.key || !conn.publicId) return;
    let id = this.recent.get(conn.publicId);
    if (id) this.recent.delete(conn.publicId);
    else id = { key: conn.key, name: conn.name, role: conn.role, devices: new Set() };
    id.name = conn.name;
    id.role = conn.role;
    if (conn.deviceId && id.devices.size < 20) id.devices.add(conn.deviceId);
    this.recent.set(conn.publicId, id);
    this.ctl?.remember(conn.publicId, { key: id.key, name: id.name, role: id.role, devices: [...id.devices] });
    if (this.recent.size > MAX_IDENTITIES) this.recent.delete(this.recent.keys().next().value!);
  }
}
