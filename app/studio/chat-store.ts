/**
 * The studio chat dock's store: the shared realtime feed slice (app/ui/realtime/feed.ts) plus the dock's own UI state.
 * Kept apart from the main studio store because the feed's field names (notices, messages…) are the realtime
 * contract's, not the studio's; the chat controller (controllers/chat.ts) writes it, the dock and the compositor's
 * chat-overlay source read it.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { QuestionView } from '../../shared/protocol/realtime';
import { type FeedSlice, feedSlice, sortQuestions } from '../ui/realtime/feed';

export type ChatDockTab = 'chat' | 'questions';

export interface ChatUiSlice {
  /** The show the dock is connected to (null: nothing open, the dock explains how to start). */
  chatShowId: string | null;
  chatTab: ChatDockTab;
  /** The question being answered in the dock (its editor is open). */
  answering: string | null;
  setChatShow(showId: string | null): void;
  setChatTab(tab: ChatDockTab): void;
  setAnswering(questionId: string | null): void;
}

export type ChatState = FeedSlice & ChatUiSlice;
export type ChatStore = StoreApi<ChatState>;

export function createChatStore(): ChatStore {
  return createStore<ChatState>()((set, get, api) => ({
    ...feedSlice<ChatState>()(set, get, api),
    chatShowId: null,
    chatTab: 'chat',
    answering: null,
    setChatShow: (chatShowId) => set({ chatShowId, answering: null }),
    setChatTab: (chatTab) => set({ chatTab }),
    setAnswering: (answering) => set({ answering }),
  }));
}

// ---- selectors (derived, never stored) --------------------------------------------------------------------------

/** Questions still waiting for someone (unanswered or claimed), in queue order. */
export function openQuestions(s: Pick<ChatState, 'questions'>): QuestionView[] {
  return sortQuestions(s.questions).filter((q) => q.status !== 'answered');
}

export function unansweredCount(s: Pick<ChatState, 'questions'>): number {
  let n = 0;
  for (const q of Object.values(s.questions)) if (q.status === 'unanswered') n++;
  return n;
}
