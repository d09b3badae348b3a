/**
 * How the publisher keeps its media up without the streamer's help:
 *  - transport ICE lost → the shared IceWatchdog restarts ICE on the same socket; if the transport has not come back
 *    within ICE_GIVE_UP_MS → the socket is dropped and the whole session rebuilt (the socket's reconnect does that);
 *  - the browser's `offline` → say so at once; its `online` after an outage → keep the session if the transport
 *    reconnected by itself, else rebuild it at once.
 */
import type { SignalingMethods, SignalingNotifications, TransportOptions } from '../../../shared/protocol/signaling';
import { ICE_WATCHDOG_DEFAULTS, IceWatchdog } from '../../ui/ice-watchdog';
import { clientTransportOptions, restartTransportIce } from '../../ui/mediasoup-adapters';
import type { ReconnectingRpcSocket } from '../../ui/reconnecting-socket';
import type { PublishState } from '../store';
import { type Session, wireSendTransport } from './publisher-session';

/** From the transport's loss to giving up on ICE restarts and rebuilding the session. */
const ICE_GIVE_UP_MS = 12_000;
/** After the browser's `online` event: how long the send transport may take to reconnect before the session is rebuilt. */
const ONLINE_TRANSPORT_WAIT_MS = 1_500;

export type SignalingSocket = ReconnectingRpcSocket<SignalingMethods, SignalingNotifications>;

/** What recovery reads of the publisher and may change in it. */
export interface RecoveryHost {
  /** The streamer wants to be live. */
  wanted(): boolean;
  /** The first connect of this go-live completed. */
  established(): boolean;
  socket(): SignalingSocket | null;
  session(): Session | null;
  publishState(): PublishState;
  setState(state: PublishState, errorKey?: string, errorDetail?: string): void;
  transportState(state: string): void;
  /** The transport (re)connected. */
  transportConnected(session: Session): void;
}

/** The session's send transport, answered over signaling and watched by the ICE watchdog. */
export function createSendTransport(host: RecoveryHost, socket: SignalingSocket, session: Session, params: TransportOptions): void {
  const { client, device } = session;
  const transport = device!.createSendTransport(clientTransportOptions(params));
  session.transport = transport;
  session.watchdog = new IceWatchdog({
    ...ICE_WATCHDOG_DEFAULTS,
    giveUpAfterMs: ICE_GIVE_UP_MS,
    restartIce: () => {
      if (host.wanted() && !session.closed) host.setState('reconnecting', 'networkUnstable');
      return restartTransportIce(client, transport);
    },
    giveUp: (reason) => {
      if (host.session() === session) socket.drop(reason);
    },
    onHealth: (health) => {
      if (health === 'connected' && host.session() === session && socket.status === 'open' && host.publishState() === 'reconnecting')
        host.setState('live');
    },
  });
  wireSendTransport(client, transport);
  transport.on('connectionstatechange', (state) => {
    if (session !== host.session() || session.closed) return;
    host.transportState(state);
    session.watchdog?.update(state);
    if (state === 'connected') host.transportConnected(session);
  });
}

/** The browser's `offline` / `online` events while a go-live runs. */
export class NetworkWatch {
  constructor(private readonly host: RecoveryHost) {}

  start(): void {
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
  }

  stop(): void {
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
  }

  /**
   * The machine lost its network: say so now rather than when the ping times out. Media and signaling are stalled
   * behind it; nothing is torn down yet (a blip may pass).
   */
  private readonly onOffline = (): void => {
    const { host } = this;
    if (!host.wanted() || !host.established() || !host.socket()) return;
    host.setState('reconnecting', 'connectionLost', 'offline');
  };

  /**
   * The network is back. The send transport usually finds its way back by itself (ICE consent checks over the same
   * candidate pair, within a second of the link's return): then the producers, and with them every viewer's consumers,
   * are still there and media simply flows again. Only a transport that has not come back within
   * ONLINE_TRANSPORT_WAIT_MS (the server dropped the session meanwhile, the address changed) makes the studio start
   * over at once on a fresh socket — the old one's TCP connection may sit in retransmission backoff for seconds after a
   * long outage — which resumes the show with its key and republishes.
   */
  private readonly onOnline = (): void => {
    const { host } = this;
    const socket = host.socket();
    if (!host.wanted() || !host.established() || !socket) return;
    const session = host.session();
    const transport = session?.transport;
    void (transport && !transport.closed ? connectedWithin(transport, ONLINE_TRANSPORT_WAIT_MS) : Promise.resolve(false)).then((back) => {
      if (host.socket() !== socket || !host.wanted()) return;
      if (back && host.session() === session && socket.status === 'open') {
        if (host.publishState() === 'reconnecting') host.setState('live');
        return;
      }
      socket.reconnectNow();
    });
  };
}

/** Whether a transport is connected now or gets there within `ms`. */
function connectedWithin(transport: NonNullable<Session['transport']>, ms: number): Promise<boolean> {
  if (transport.connectionState === 'connected') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      resolve(ok);
    };
    const onState = (state: string) => {
      if (state === 'connected') done(true);
      else if (state === 'closed' || state === 'failed') done(false);
    };
    const timer = setTimeout(() => done(false), ms);
    transport.on('connectionstatechange', onState);
  });
}
