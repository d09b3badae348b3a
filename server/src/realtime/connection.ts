/**
 * One realtime WebSocket: who it is (role, identity key, public id, device id) and its delivery state
 * (lagging / over the hard buffer limit since when / closing). Frames are written through `sendRaw`, which
 * takes an already-encoded Buffer so one serialized batch is shared by every member of a room.
 */
import WebSocket from 'ws';
import type { ChatRole } from '../../../shared/protocol/realtime';
import type { Caller, Role } from '../../../shared/protocol/rpc';
import { TokenBucket } from '../../../shared/realtime/flood-guard';
import type { Principal } from '../accounts/accounts';
import type { Logger } from '../log';
import type { Room } from './room';

let nextId = 1;

const ROLES_OF: Record<ChatRole, readonly Role[]> = {
  viewer: ['viewer'],
  moderator: ['viewer', 'staff'],
  owner: ['viewer', 'staff', 'owner'],
};

export class Connection {
  readonly id = nextId++;
  role: ChatRole = 'viewer';
  principal: Principal | null = null;
  /** Internal identity: `b:<buyerId>` (guest), `a:<accountId>` (staff account), `studio`; null = read-only. */
  key: string | null = null;
  /** The guest identity from the buyer cookie (kept when a staff token upgrades the role). */
  buyerKey: string | null = null;
  publicId: string | null = null;
  name = '';
  deviceId: string | null = null;
  helloDone = false;
  /** Receiving sampled batches (send buffer over the soft limit). */
  lagging = false;
  /** Since when it has been lagging (null = not lagging). */
  lagSince: number | null = null;
  /** When the send buffer went over the hard limit (null = under it). */
  overSince: number | null = null;
  closing = false;
  /** Heartbeat: something arrived since the last ping. */
  alive = true;
  /**
   * Cluster mode: batch frames kept back until `hello` says where the client resumes (released after its missed
   * batches, or dropped when those cover them). Null: frames go out as they come.
   */
  held: Buffer[] | null = null;
  readonly requests: TokenBucket;

  constructor(
    readonly ws: WebSocket,
    readonly room: Room,
    readonly log: Logger,
    requestRate: { perSec: number; burst: number },
    now: number,
  ) {
    this.requests = new TokenBucket(requestRate.perSec, requestRate.burst, now);
  }

  get staff(): boolean {
    return this.role !== 'viewer';
  }

  /** The roles this socket holds for the dispatcher's check (lattice in shared/protocol/realtime.ts). */
  get caller(): Caller {
    if (!this.helloDone) return { unidentified: 'send hello first' };
    return { roles: ROLES_OF[this.role] };
  }

  get open(): boolean {
    return !this.closing && this.ws.readyState === WebSocket.OPEN;
  }

  /** Unsent bytes queued for this socket (ws buffer + the net.Socket's writable buffer). */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  sendRaw(frame: Buffer): void {
    if (this.open) this.ws.send(frame, { binary: false });
  }

  sendText(text: string): void {
    if (this.open) this.ws.send(text);
  }

  /** Close with a code; the peer may never read the close frame (slow client), so drop the TCP connection after `graceMs`. */
  close(code: number, reason: string, graceMs = 1000): void {
    if (this.closing) return;
    this.closing = true;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
      return;
    }
    setTimeout(() => {
      if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    }, graceMs).unref();
  }
}
