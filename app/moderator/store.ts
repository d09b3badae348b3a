/**
 * Moderator pane state: one zustand vanilla store built from slices — session (setup / login / invite accept),
 * shows (the picker), the shared realtime feed (app/ui/realtime/feed.ts: chat, questions, room state) and mod (the
 * pane's own data: selected question, drafts, suggestions, canned replies, filter, bans, audit log, team).
 * Controllers (controllers/*.ts) write it; components read it through selectors (selectors.ts).
 */
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { AccountView, InviteView, Me } from '../../shared/realtime/accounts';
import type { ShowInfo } from '../../shared/domain/show';
import type {
  AnswerVisibility,
  AuditEntry,
  AutoReplyMode,
  BanView,
  CannedReply,
  FilterSettings,
  Suggestion,
  SuggestionRoute,
} from '../../shared/protocol/realtime';
import { type FeedSlice, feedSlice } from '../ui/realtime/feed';

// ---- session ------------------------------------------------------------------------------------
export type AuthPhase = 'loading' | 'setup' | 'login' | 'accept' | 'signedIn' | 'unreachable';

export interface SessionSlice {
  phase: AuthPhase;
  me: Me | null;
  /** Invite code from the link (#invite=…), shown on the accept form. */
  inviteCode: string | null;
  authBusy: boolean;
  /** Error code of the last auth request (i18n `auth.error.<code>`), with the server's message for details. */
  authError: { code: string; message: string } | null;
  setSession(patch: Partial<Pick<SessionSlice, 'phase' | 'me' | 'inviteCode' | 'authBusy' | 'authError'>>): void;
}

// ---- shows --------------------------------------------------------------------------------------
export interface ShowsSlice {
  shows: ShowInfo[] | null;
  showsLoading: boolean;
  showsError: string | null;
  /** The show being moderated (null: the picker is shown). */
  showId: string | null;
  setShows(patch: Partial<Pick<ShowsSlice, 'shows' | 'showsLoading' | 'showsError' | 'showId'>>): void;
}

// ---- mod ----------------------------------------------------------------------------------------
export type ModTab = 'live' | 'filter' | 'canned' | 'bans' | 'audit' | 'team';
export type QueueFilter = 'open' | 'answered';

export interface SuggestionsState {
  questionId: string;
  loading: boolean;
  items: Suggestion[];
  /** Set when the question needs a person (complaint, refund, existing order, abuse, unsafe text): no suggestions. */
  route: SuggestionRoute | null;
  error: string | null;
}

export interface AuditState {
  entries: AuditEntry[];
  thisShow: boolean;
  loading: boolean;
  /** No older entries. */
  done: boolean;
  error: string | null;
}

export interface Flash {
  id: number;
  kind: 'ok' | 'error';
  /** i18n key and params. */
  key: string;
  params?: Record<string, string | number>;
}

export interface ProductInfo {
  id: string;
  title: string;
  thumbUrl: string | null;
}

export interface ModSlice {
  tab: ModTab;
  queueFilter: QueueFilter;
  selectedQuestionId: string | null;
  /** Answer drafts by question id (kept while switching between questions). */
  drafts: Record<string, string>;
  visibility: AnswerVisibility;
  suggestions: SuggestionsState | null;
  /** The show's automatic replies (owner's setting); null until loaded. */
  autoReply: AutoReplyMode | null;
  canned: CannedReply[];
  filter: FilterSettings | null;
  filterSaving: boolean;
  bans: BanView[] | null;
  audit: AuditState;
  accounts: AccountView[] | null;
  invite: InviteView | null;
  /** Product titles/thumbnails for question context (from the public catalog). */
  products: Record<string, ProductInfo>;
  /** Requests in flight by key (e.g. "claim:q_…", "ban:u_…"), to disable their buttons. */
  busy: Record<string, true>;
  flash: Flash | null;
  /** server clock − local clock (ms), estimated from question timestamps (waiting times). */
  clockSkewMs: number;
  setMod(patch: Partial<Omit<ModSlice, 'setMod' | 'setBusy' | 'setDraft' | 'showFlash' | 'hideFlash'>>): void;
  setBusy(key: string, busy: boolean): void;
  setDraft(questionId: string, text: string): void;
  showFlash(flash: Omit<Flash, 'id'>): number;
  hideFlash(id: number): void;
}

export type ModeratorState = SessionSlice & ShowsSlice & FeedSlice & ModSlice;
export type ModeratorStore = StoreApi<ModeratorState>;
type Slice<T> = StateCreator<ModeratorState, [], [], T>;

const sessionSlice: Slice<SessionSlice> = (set) => ({
  phase: 'loading',
  me: null,
  inviteCode: null,
  authBusy: false,
  authError: null,
  setSession: (patch) => set(patch),
});

const showsSlice: Slice<ShowsSlice> = (set) => ({
  shows: null,
  showsLoading: false,
  showsError: null,
  showId: null,
  setShows: (patch) => set(patch),
});

export const INITIAL_AUDIT: AuditState = { entries: [], thisShow: true, loading: false, done: false, error: null };

let flashSeq = 0;

const modSlice: Slice<ModSlice> = (set, get) => ({
  tab: 'live',
  queueFilter: 'open',
  selectedQuestionId: null,
  drafts: {},
  visibility: 'private',
  suggestions: null,
  autoReply: null,
  canned: [],
  filter: null,
  filterSaving: false,
  bans: null,
  audit: INITIAL_AUDIT,
  accounts: null,
  invite: null,
  products: {},
  busy: {},
  flash: null,
  clockSkewMs: 0,
  setMod: (patch) => set(patch),
  setBusy: (key, busy) => {
    const cur = get().busy;
    if (busy === (cur[key] === true)) return;
    const next = { ...cur };
    if (busy) next[key] = true;
    else delete next[key];
    set({ busy: next });
  },
  setDraft: (questionId, text) => set({ drafts: { ...get().drafts, [questionId]: text } }),
  showFlash: (flash) => {
    const id = ++flashSeq;
    set({ flash: { ...flash, id } });
    return id;
  },
  hideFlash: (id) => {
    if (get().flash?.id === id) set({ flash: null });
  },
});

export function createModeratorStore(): ModeratorStore {
  return createStore<ModeratorState>()((...a) => ({
    ...sessionSlice(...a),
    ...showsSlice(...a),
    ...feedSlice<ModeratorState>()(...a),
    ...modSlice(...a),
  }));
}
