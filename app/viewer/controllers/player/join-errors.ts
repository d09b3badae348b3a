/** How the viewer's session reads a failed connection or join: what the store shows, and whether retrying helps. */
import { RpcError } from '../../../../shared/protocol/rpc';
import type { DropCause } from '../../../ui/reconnecting-socket';
import type { ViewerStore } from '../../store';

/** An unknown show, or a browser that cannot play it: retrying cannot help. */
export function retryHelps(cause: DropCause): boolean {
  if (cause.kind !== 'error') return true;
  const err = cause.error;
  if (err instanceof RpcError && err.code === 'NOT_FOUND') return false;
  return !(err instanceof Error && err.name === 'UnsupportedError');
}

/** Tell the store why a join failed; the socket then retries with backoff or, for NOT_FOUND / UNSUPPORTED, stops. */
export function reportJoinFailure(store: ViewerStore, err: unknown): void {
  const s = store.getState();
  if (err instanceof RpcError) {
    if (err.code === 'NOT_FOUND') {
      s.setFatal({ kind: 'notFound' });
      return;
    }
    if (err.code === 'DISCONNECTED') return; // the socket's close handles it
    if (err.code === 'UNAVAILABLE') {
      // The server (or this network's share of it) is full: say so, also to a viewer who was already watching,
      // instead of an endless spinner, and keep retrying with backoff until a place frees up.
      console.warn('storecast: the show is full, retrying', err.message);
      s.setFatal({ kind: 'error', code: err.code, message: err.message });
      return;
    }
  } else if (err instanceof Error && err.name === 'UnsupportedError') {
    s.setFatal({ kind: 'error', code: 'UNSUPPORTED', message: err.message });
    return;
  }
  console.error('storecast: joining the show failed', err);
  // The error screen stays until a join succeeds.
  if (!s.show) s.setFatal({ kind: 'error', code: err instanceof RpcError ? err.code : 'INTERNAL', message: String(err) });
}

/** The socket's status, as the page's connection state. */
export function reportSocketStatus(store: ViewerStore, status: string, attempt: number, cause: DropCause | undefined): void {
  const s = store.getState();
  if (status === 'connecting') s.setConnection(s.show ? 'reconnecting' : 'connecting');
  else if (status === 'reconnecting') {
    // A failure (not the next attempt starting): count it while nothing is known of the show.
    if (cause && (!cause.opened || !s.show)) s.connectFailed();
    s.setConnection(s.show || attempt > 0 ? 'reconnecting' : 'connecting');
  }
}
