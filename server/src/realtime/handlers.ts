/**
 * Request handlers of the realtime contract. Who may call each method is declared in the contract and checked by
 * `dispatchRequest` (the connection's roles: `Connection.caller`); every request that gets here passes the per-socket
 * request bucket first.
 */
import type { Handlers } from '../../../shared/protocol/rpc';
import { RpcError } from '../../../shared/protocol/rpc';
import { type RealtimeMethods, realtimeNotifications } from '../../../shared/protocol/realtime';
import { notification } from '../../../shared/protocol/rpc';
import type { Accounts, Principal } from '../accounts/accounts';
import type { EngagementService } from '../engagement/service';
import type { Connection } from './connection';
import type { RealtimeHub } from './hub';

export interface HandlerDeps {
  hub: RealtimeHub;
  accounts: Accounts;
  clock: () => number;
  engagement: EngagementService;
}

function keyOf(p: Principal): string {
  return p.kind === 'studio' ? 'studio' : `a:${p.id}`;
}

export function createRealtimeHandlers({ hub, accounts, clock, engagement }: HandlerDeps): Handlers<RealtimeMethods, Connection> {
  const handlers: Handlers<RealtimeMethods, Connection> = {
    async hello(data, conn) {
      let principal = conn.principal;
      if (data.token !== undefined) {
        principal = await accounts.resolveToken(data.token);
        if (!principal) throw new RpcError('UNAUTHORIZED', 'invalid or expired token');
        conn.principal = principal;
      }
      if (principal) {
        const name =
          principal.kind === 'studio' && data.nickname ? (hub.filters.acceptableNickname(data.nickname) ?? principal.name) : principal.name;
        await hub.identities.identify(conn, { key: keyOf(principal), role: principal.role, name, deviceId: data.deviceId });
      } else {
        const key = conn.buyerKey;
        const publicId = key ? hub.identities.publicIdOf(key) : null;
        const fallback = publicId ? `guest-${publicId.slice(2, 6)}` : 'guest';
        const name = data.nickname ? (hub.filters.acceptableNickname(data.nickname) ?? fallback) : fallback;
        await hub.identities.identify(conn, { key, role: 'viewer', name, deviceId: data.deviceId });
      }
      // This socket's engagement state (active giveaways / red packets / coupons and its own entries and claims).
      conn.sendText(notification(realtimeNotifications, 'engage.sync', await engagement.sync(conn)));
      await hub.settled(conn.room);
      const room = hub.snapshot(conn.room);
      // Cluster mode: the batches a resuming client missed go out before this reply (nothing on one node).
      await hub.resume(conn, data.since, room.position ?? null);
      return { you: hub.you(conn), room };
    },
    'chat.send': (data, conn) => hub.chat.send(conn, data.text),
    like: (data, conn) => ({ total: hub.chat.like(conn, data.count) }),
    follow: async (_data, conn) => ({ following: true as const, total: await hub.chat.follow(conn) }),
    'question.ask': (data, conn) => hub.questions.ask(conn, data.text, data.productId),
    'question.list': async (data, conn) => ({ questions: await hub.questions.list(conn, data.status === 'all', data.limit) }),
    'question.claim': async (data, conn) => ({ question: await hub.questions.claim(conn, data.questionId) }),
    'question.release': async (data, conn) => ({ question: await hub.questions.release(conn, data.questionId) }),
    'question.answer': async (data, conn) => ({
      question: await hub.questions.answer(conn, data.questionId, data.text, data.visibility),
    }),
    'question.suggest': (data, conn) => hub.questions.suggest(conn, data.questionId),
    'question.retract': async (data, conn) => ({ question: await hub.questions.retract(conn, data.questionId) }),
    'autoReply.get': (_data, conn) => ({ mode: hub.questions.autoReplyMode(conn) }),
    'autoReply.set': async (data, conn) => ({ mode: await hub.questions.setAutoReply(conn, data.mode) }),
    'canned.list': async () => ({ replies: await hub.questions.cannedList() }),
    'canned.create': async (data, conn) => ({ reply: await hub.questions.cannedCreate(conn, data.title, data.text) }),
    'canned.update': async (data, conn) => ({ reply: await hub.questions.cannedUpdate(conn, data.id, data.title, data.text) }),
    'canned.delete': async (data, conn) => {
      await hub.questions.cannedDelete(conn, data.id);
      return { ok: true as const };
    },
    'mod.delete': (data, conn) => {
      hub.moderation.deleteMessage(conn, data.messageId, data.reason);
      return { ok: true as const };
    },
    'mod.mute': async (data, conn) => ({ mutedUntil: await hub.moderation.mute(conn, data.userId, data.seconds, data.reason) }),
    'mod.ban': async (data, conn) => ({ removed: await hub.moderation.ban(conn, data.userId, data.reason) }),
    'mod.unban': async (data, conn) => {
      await hub.moderation.unban(conn, data.userId, data.reason);
      return { ok: true as const };
    },
    'mod.bans': async () => ({ bans: await hub.moderation.bans() }),
    'mod.slowMode': async (data, conn) => ({ seconds: await hub.moderation.slowMode(conn, data.seconds) }),
    'mod.announce': async (data, conn) => ({ announcement: await hub.moderation.announce(conn, data.text) }),
    'filter.get': () => hub.moderation.getFilter(),
    'filter.set': (data, conn) => hub.moderation.setFilter(conn, data),
    'audit.list': async (data, conn) => ({ entries: await hub.moderation.auditList(conn, data.limit, data.beforeId, data.thisShow) }),
    'engage.state': (_data, conn) => engagement.sync(conn),
    'giveaway.start': async (data, conn) => ({ giveaway: await engagement.startGiveaway(conn, data) }),
    'giveaway.end': async (data, conn) => ({ giveaway: await engagement.endGiveaway(conn, data.giveawayId, data.cancel) }),
    'giveaway.entries': (data, conn) => engagement.entries(conn, data.giveawayId),
    'redpacket.create': async (data, conn) => ({ packet: await engagement.createRedPacket(conn, data) }),
    'redpacket.end': async (data, conn) => ({ packet: await engagement.endRedPacket(conn, data.packetId) }),
    'redpacket.claim': (data, conn) => engagement.claimRedPacket(conn, data.packetId),
    'coupon.create': async (data, conn) => ({ coupon: await engagement.createCoupon(conn, data) }),
    'coupon.end': async (data, conn) => ({ coupon: await engagement.endCoupon(conn, data.couponId) }),
    'coupon.claim': (data, conn) => engagement.claimCoupon(conn, data.couponId),
  };

  const out: Record<string, (d: unknown, c: Connection) => unknown> = {};
  for (const [method, fn] of Object.entries(handlers) as [keyof RealtimeMethods, (d: unknown, c: Connection) => unknown][]) {
    out[method] = (data, conn) => {
      const wait = conn.requests.take(clock());
      if (wait > 0) throw new RpcError('RATE_LIMITED', `too many requests; retry in ${wait} ms`);
      return fn(data, conn);
    };
  }
  return out as Handlers<RealtimeMethods, Connection>;
}
