/**
 * One signaling WebSocket connection. Its role starts as `none` and becomes `studio` (after studio.auth) or
 * `viewer` (after viewer.join); it holds at most one Peer (its media state in a Room) at a time.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { notification } from '../../../shared/protocol/rpc';
import { signalingNotifications } from '../../../shared/protocol/signaling';
import type { Logger } from '../log';
import type { Notify, Peer, PeerSink } from '../sfu/peer';
import type { Room } from '../sfu/room';

export type SessionRole = 'none' | 'studio' | 'viewer';

export class Session implements PeerSink {
  readonly id = randomUUID();
  readonly log: Logger;
  role: SessionRole = 'none';
  peer: Peer | null = null;
  room: Room | null = null;
  authFailures = 0;
  /** Set by the dispatcher wrapper: the method being handled (for the request log). */
  method: string | undefined;
  /** Heartbeat: pings in a row with no pong (nor any message) since. */
  missedPongs = 0;
  private _closed = false;

  constructor(
    private readonly socket: WebSocket,
    log: Logger,
    /** The client's address (fastify's `req.ip` of the upgrade request); media transports are capped per address. */
    readonly ip: string,
  ) {
    this.log = log.child({ sessionId: this.id });
  }

  get closed(): boolean {
    return this._closed || this.socket.readyState !== WebSocket.OPEN;
  }

  readonly notify: Notify = (method, data) => {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(notification(signalingNotifications, method, data));
  };

  send(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  disconnect(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }

  /** Drop the connection without a closing handshake, as a network failure would (tests and benches use it). */
  terminate(): void {
    this.socket.terminate();
  }

  /** Leave the current room (publisher: start its grace period; viewer: drop out of the count). */
  leave(): void {
    const { peer, room } = this;
    this.peer = null;
    this.room = null;
    if (!peer || !room) return;
    if (peer.role === 'studio') room.detachStudio(peer);
    else room.removeViewer(peer);
  }

  /** The socket closed: release everything. */
  dispose(): void {
    this._closed = true;
    this.leave();
  }
}
