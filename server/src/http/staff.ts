/**
 * Staff HTTP routes outside the accounts module: the show list the moderator pane picks from
 * (`GET /api/staff/shows`, contract `StaffShowList` in shared/realtime/accounts.ts). Authenticated like the accounts
 * API (the `sc_staff` cookie, a login bearer token or the studio token); anyone else gets 401.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { ShowInfo } from '../../../shared/domain/show';
import type { StaffShowList } from '../../../shared/realtime/accounts';
import type { Accounts } from '../accounts/accounts';
import { principalOf } from '../accounts/routes';
import type { ShowRepository } from '../db/shows';
import { sendError } from './routes';

/** Ended shows listed after the open ones. */
const RECENT_ENDED = 20;

const RANK: Record<ShowInfo['status'], number> = { live: 0, ready: 1, ended: 2 };

export function staffShowList(shows: ShowRepository): StaffShowList {
  const open = shows.unfinished();
  const ids = new Set(open.map((s) => s.id));
  const ended = shows
    .recent(RECENT_ENDED + open.length)
    .filter((s) => !ids.has(s.id) && s.status === 'ended')
    .slice(0, RECENT_ENDED);
  const list = [...open, ...ended].sort(
    (a, b) => RANK[a.status] - RANK[b.status] || (b.startedAt ?? b.createdAt) - (a.startedAt ?? a.createdAt),
  );
  return { shows: list };
}

export async function registerStaffRoutes(app: FastifyInstance, deps: { shows: ShowRepository; accounts: Accounts }): Promise<void> {
  await app.register(async (scope) => {
    if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie);
    scope.get('/api/staff/shows', async (req, reply) => {
      if (!(await principalOf(deps.accounts, req))) return sendError(reply, 401, 'UNAUTHORIZED', 'sign in first');
      return reply.header('Cache-Control', 'no-store').send(staffShowList(deps.shows));
    });
  });
}
