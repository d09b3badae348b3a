/**
 * Wait for the viewer store to reach a state, with a deadline.
 *
 * Used to keep the join's critical window free: on a phone (or a busy machine) the page's main thread is the
 * bottleneck of time-to-first-frame, so work that is not needed for the first picture (the joined page's render,
 * the overlay DataChannel's renegotiation, shop fetches, the chat socket) waits for it, but never longer than
 * `timeoutMs`.
 */
import type { ViewerState, ViewerStore } from '../store';

export interface StateWait {
  /** Resolves `true` when the predicate held, `false` at the deadline or on cancel. */
  readonly done: Promise<boolean>;
  cancel(): void;
}

export function whenState(store: ViewerStore, predicate: (s: ViewerState) => boolean, timeoutMs: number): StateWait {
  let finish: (reached: boolean) => void = () => {};
  const done = new Promise<boolean>((resolve) => {
    if (predicate(store.getState())) {
      resolve(true);
      return;
    }
    let settled = false;
    const timer = setTimeout(() => finish(false), timeoutMs);
    const unsubscribe = store.subscribe((s) => {
      if (predicate(s)) finish(true);
    });
    finish = (reached) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(reached);
    };
  });
  return { done, cancel: () => finish(false) };
}
