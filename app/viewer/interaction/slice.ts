/**
 * Interaction slice of the viewer store (the realtime feed itself is the shared feed slice, app/ui/realtime/feed.ts).
 * Holds what is the viewer's own: the nickname, danmaku preferences, the questions this page asked, the last
 * rejected send (shown to the sender), the open interaction sheet and the danmaku items on screen. The interaction
 * and danmaku controllers write it; components read it through selectors (interaction/selectors.ts).
 */
import type { StateCreator } from 'zustand/vanilla';
import type { ViewerState } from '../store';

export type DanmakuDensity = 'low' | 'normal' | 'high';
export interface DanmakuPrefs {
  enabled: boolean;
  density: DanmakuDensity;
}

export interface AskedQuestion {
  id: string;
  text: string;
  productId: string | null;
  /** Product title at the time of asking (for the "about" line). */
  productTitle: string | null;
  at: number;
}

/** A send the server (or the page) refused; `at` lets the composer hide it after a while. */
export interface SendError {
  /** Where it happened: the chat composer or the question sheet. */
  scope: 'chat' | 'ask' | 'nickname' | 'follow';
  /** A RejectReason, an RpcError code or a page-side reason ('OFFLINE', 'NO_NICKNAME'). */
  reason: string;
  retryAfterMs: number | null;
  at: number;
}

export type InteractionSheet = 'ask' | 'nickname' | null;

export interface DanmakuItem {
  /** Chat message id (unique on screen). */
  id: string;
  text: string;
  lane: number;
  /** ms the item takes to cross the stage. */
  durationMs: number;
  own: boolean;
}

export interface InteractionSlice {
  nickname: string | null;
  danmaku: DanmakuPrefs;
  askedQuestions: AskedQuestion[];
  sendError: SendError | null;
  interactionSheet: InteractionSheet;
  /** Danmaku on screen now (the danmaku controller adds and expires them). */
  danmakuItems: DanmakuItem[];
  /** Private answers the viewer closed (by question id). */
  dismissedAnswers: Record<string, true>;
  setNickname(nickname: string | null): void;
  setDanmaku(patch: Partial<DanmakuPrefs>): void;
  questionAsked(q: AskedQuestion): void;
  setSendError(error: SendError | null): void;
  openInteractionSheet(sheet: InteractionSheet): void;
  danmakuAdd(item: DanmakuItem): void;
  danmakuRemove(id: string): void;
  danmakuClear(): void;
  dismissAnswer(questionId: string): void;
}

/** Questions kept per page (older ones fall off the "my questions" list). */
export const MAX_ASKED = 20;

export const interactionSlice: StateCreator<ViewerState, [], [], InteractionSlice> = (set, get) => ({
  nickname: null,
  danmaku: { enabled: true, density: 'normal' },
  askedQuestions: [],
  sendError: null,
  interactionSheet: null,
  danmakuItems: [],
  dismissedAnswers: {},
  setNickname: (nickname) => set({ nickname }),
  setDanmaku: (patch) => {
    const danmaku = { ...get().danmaku, ...patch };
    set(danmaku.enabled ? { danmaku } : { danmaku, danmakuItems: [] });
  },
  questionAsked: (q) => set({ askedQuestions: [...get().askedQuestions, q].slice(-MAX_ASKED) }),
  setSendError: (sendError) => set({ sendError }),
  openInteractionSheet: (interactionSheet) =>
    // One sheet at a time: an interaction sheet closes the shop's, and the other way round (shop.openSheet).
    set(interactionSheet ? { interactionSheet, sheet: null } : { interactionSheet }),
  danmakuAdd: (item) => set({ danmakuItems: [...get().danmakuItems, item] }),
  danmakuRemove: (id) => {
    const items = get().danmakuItems;
    if (items.some((i) => i.id === id)) set({ danmakuItems: items.filter((i) => i.id !== id) });
  },
  danmakuClear: () => set({ danmakuItems: [] }),
  dismissAnswer: (questionId) => set({ dismissedAnswers: { ...get().dismissedAnswers, [questionId]: true } }),
});
