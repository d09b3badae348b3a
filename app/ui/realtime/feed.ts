/**
 * The realtime feed as a zustand slice shared by the viewer page, the moderator pane and the studio chat dock.
 * The connection controller (connection.ts) writes through the `rt*` actions; everything else is derived by selectors.
 * `applyBatch` is a pure fold so the batching rules are unit-tested without a socket.
 */
import type { StateCreator } from 'zustand/vanilla';
import type {
  Announcement,
  Batch,
  ChatMessage,
  Notice,
  PublicAnswer,
  QuestionView,
  RoomSnapshot,
  YouState,
} from '../../../shared/protocol/realtime';
import type { RealtimeStatus } from './connection';

/** Chat lines kept in memory (the panel shows the newest; older ones are dropped). */
export const FEED_MAX_MESSAGES = 300;
export const FEED_MAX_NOTICES = 20;

export interface FeedNotice {
  notice: Notice;
  ts: number;
  /** Local sequence for React keys and "new since" checks. */
  n: number;
}

export interface FeedData {
  rtStatus: RealtimeStatus;
  you: YouState | null;
  messages: ChatMessage[];
  likes: number;
  /** Likes from others that arrived since the page last animated them (the like button's burst reads and clears it). */
  likeBurst: number;
  /** Own taps sent but not yet seen in a batch's delta. */
  ownLikesPending: number;
  online: number;
  follows: number;
  slowModeSeconds: number;
  announcement: Announcement | null;
  pinnedAnswer: PublicAnswer | null;
  /** Private answers to this connection's questions (newest last). */
  privateAnswers: PublicAnswer[];
  notices: FeedNotice[];
  /** Staff: questions by id (the queue view sorts them). */
  questions: Record<string, QuestionView>;
  /** Chat messages the server skipped for this socket (sampled when slow, or per-batch cap). */
  droppedChat: number;
  lastSeq: number;
  noticeSeq: number;
}

export interface FeedSlice extends FeedData {
  rtSetStatus(status: RealtimeStatus): void;
  rtHello(you: YouState, room: RoomSnapshot): void;
  rtBatch(batch: Batch): void;
  rtPrivateAnswer(answer: PublicAnswer): void;
  rtYou(you: YouState): void;
  rtQuestions(questions: readonly QuestionView[]): void;
  /** Own like taps: counted locally at once (the server total corrects it on the next batch). */
  rtLocalLike(count: number): void;
  rtTakeLikeBurst(): number;
  /** A notice the page derived from another channel (e.g. a product pinned on the overlay channel). */
  rtLocalNotice(notice: Notice, ts: number): void;
}

export function initialFeed(): FeedData {
  return {
    rtStatus: 'idle',
    you: null,
    messages: [],
    likes: 0,
    likeBurst: 0,
    ownLikesPending: 0,
    online: 0,
    follows: 0,
    slowModeSeconds: 0,
    announcement: null,
    pinnedAnswer: null,
    privateAnswers: [],
    notices: [],
    questions: {},
    droppedChat: 0,
    lastSeq: 0,
    noticeSeq: 0,
  };
}

function cap<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

/** Fold one server batch into the feed (pure). Messages keep arrival order; duplicates by id are ignored. */
export function applyBatch(state: FeedData, batch: Batch): Partial<FeedData> {
  const patch: Partial<FeedData> = { lastSeq: batch.seq, droppedChat: state.droppedChat + batch.dropped };
  let messages: ChatMessage[] | null = null;
  let notices: FeedNotice[] | null = null;
  let noticeSeq = state.noticeSeq;
  let questions: Record<string, QuestionView> | null = null;
  const seen = new Set(state.messages.map((m) => m.id));
  for (const item of batch.items) {
    switch (item.k) {
      case 'chat':
        if (seen.has(item.m.id)) break;
        seen.add(item.m.id);
        messages ??= [...state.messages];
        messages.push(item.m);
        break;
      case 'likes': {
        // Our own taps were animated and counted locally already: only the rest bursts.
        const pending = patch.ownLikesPending ?? state.ownLikesPending;
        const mine = Math.min(pending, item.delta);
        patch.ownLikesPending = pending - mine;
        patch.likeBurst = (patch.likeBurst ?? state.likeBurst) + (item.delta - mine);
        patch.likes = item.total + patch.ownLikesPending;
        break;
      }
      case 'presence':
        patch.online = item.online;
        break;
      case 'follow':
        patch.follows = item.total;
        break;
      case 'notice':
        notices ??= [...state.notices];
        notices.push({ notice: item.notice, ts: item.ts, n: ++noticeSeq });
        break;
      case 'delete': {
        const gone = new Set(item.ids);
        messages = (messages ?? state.messages).filter((m) => !gone.has(m.id));
        break;
      }
      case 'answer':
        patch.pinnedAnswer = item.answer;
        break;
      case 'retract': {
        const pinned = 'pinnedAnswer' in patch ? patch.pinnedAnswer : state.pinnedAnswer;
        if (pinned?.questionId === item.questionId && pinned.auto) patch.pinnedAnswer = null;
        const before = patch.privateAnswers ?? state.privateAnswers;
        const kept = before.filter((a) => !(a.questionId === item.questionId && a.auto));
        if (kept.length !== before.length) patch.privateAnswers = kept;
        break;
      }
      case 'announcement':
        patch.announcement = item.announcement;
        break;
      case 'slowmode':
        patch.slowModeSeconds = item.seconds;
        break;
      case 'question':
        questions ??= { ...state.questions };
        questions[item.question.id] = item.question;
        break;
    }
  }
  if (messages) patch.messages = cap(messages, FEED_MAX_MESSAGES);
  if (notices) {
    patch.notices = cap(notices, FEED_MAX_NOTICES);
    patch.noticeSeq = noticeSeq;
  }
  if (questions) patch.questions = questions;
  return patch;
}

export function feedSlice<S extends FeedSlice>(): StateCreator<S, [], [], FeedSlice> {
  return (set, get) => ({
    ...initialFeed(),
    rtSetStatus: (rtStatus) => set({ rtStatus } as Partial<S>),
    rtHello: (you, room) =>
      set({
        you,
        // A reconnect replaces the history with the server's recent window (messages deleted meanwhile vanish).
        messages: cap(room.recent, FEED_MAX_MESSAGES),
        likes: room.likes,
        online: room.online,
        follows: room.follows,
        slowModeSeconds: room.slowModeSeconds,
        announcement: room.announcement,
        pinnedAnswer: room.pinnedAnswer,
        lastSeq: room.seq,
        ownLikesPending: 0,
      } as Partial<S>),
    rtBatch: (batch) => set(applyBatch(get(), batch) as Partial<S>),
    rtPrivateAnswer: (answer) => {
      const list = get().privateAnswers.filter((a) => a.questionId !== answer.questionId);
      set({ privateAnswers: cap([...list, answer], 20) } as Partial<S>);
    },
    rtYou: (you) => set({ you } as Partial<S>),
    rtQuestions: (list) => {
      const questions = { ...get().questions };
      for (const q of list) questions[q.id] = q;
      set({ questions } as Partial<S>);
    },
    rtLocalLike: (count) => set({ likes: get().likes + count, ownLikesPending: get().ownLikesPending + count } as Partial<S>),
    rtTakeLikeBurst: () => {
      const n = get().likeBurst;
      if (n !== 0) set({ likeBurst: 0 } as Partial<S>);
      return n;
    },
    rtLocalNotice: (notice, ts) => {
      const noticeSeq = get().noticeSeq + 1;
      set({ notices: cap([...get().notices, { notice, ts, n: noticeSeq }], FEED_MAX_NOTICES), noticeSeq } as Partial<S>);
    },
  });
}

/** Staff queue order: unanswered first (longest waiting first), then claimed, then answered (newest first). */
export function sortQuestions(questions: Record<string, QuestionView>): QuestionView[] {
  const rank = { unanswered: 0, claimed: 1, answered: 2 } as const;
  return Object.values(questions).sort((a, b) => {
    const r = rank[a.status] - rank[b.status];
    if (r !== 0) return r;
    if (a.status === 'answered') return (b.answeredAt ?? 0) - (a.answeredAt ?? 0);
    return a.createdAt - b.createdAt;
  });
}
