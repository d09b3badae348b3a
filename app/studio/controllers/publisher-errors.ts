/** What the publisher's failures mean for the streamer: the i18n key to show, and whether a retry can help. */
import { RpcError } from '../../../shared/protocol/rpc';
import { type DropCause, describeCause } from '../../ui/reconnecting-socket';
import { describe, PublishError } from './publisher-session';

export function toPublishError(err: unknown): PublishError {
  if (err instanceof PublishError) return err;
  if (err instanceof RpcError) {
    if (err.code === 'UNAUTHORIZED') return new PublishError('badToken', err.message, true);
    if (err.code === 'CONFLICT') return new PublishError('showConflict', err.message, true);
    if (err.code === 'DISCONNECTED' || err.code === 'TIMEOUT') return new PublishError('serverUnreachable', err.message);
  }
  return new PublishError('publishFailed', describe(err));
}

/** The error behind a socket's drop: the hook's own error, else the server was out of reach. */
export function causeError(cause: DropCause): unknown {
  if (cause.kind === 'error') return cause.error;
  return new PublishError('serverUnreachable', describeCause(cause));
}

/** The server has no open show to resume (it ended or was forgotten meanwhile): reopening cannot help. */
export function isShowGone(err: unknown): boolean {
  return err instanceof RpcError && (err.code === 'NOT_FOUND' || err.code === 'BAD_STATE');
}
