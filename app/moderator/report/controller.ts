/**
 * Loads the post-show report (outside React): the show's selling screen (metrics, per-minute trend, markers,
 * per-product totals) and explanation rows from the staff analytics API, the show and product titles from the public
 * API. A report is read once; `load()` again refreshes it.
 */
import { type StaffApi, StaffApiError } from '../api';
import type { ReportStore } from './store';

export class ReportController {
  private seq = 0;

  constructor(
    private readonly store: ReportStore,
    private readonly api: StaffApi,
    /** The staff session ended (401): the page goes back to sign-in. */
    private readonly onSessionLost: () => void,
  ) {}

  async load(): Promise<void> {
    const s = this.store.getState();
    const seq = ++this.seq;
    s.setReport({ status: 'loading', error: null });
    try {
      const [screen, { segments }, show, catalog] = await Promise.all([
        this.api.screen(s.showId),
        this.api.segments(s.showId),
        this.api.show(s.showId).catch(() => null),
        this.api.products().catch(() => null),
      ]);
      if (seq !== this.seq) return;
      const titles: Record<string, string> = {};
      for (const p of catalog?.products ?? []) titles[p.id] = p.title;
      s.setReport({
        status: 'ready',
        screen,
        segments,
        titles,
        show,
      });
    } catch (err) {
      if (seq !== this.seq) return;
      if (err instanceof StaffApiError && err.status === 401) {
        this.onSessionLost();
        return;
      }
      s.setReport({ status: 'error', error: err instanceof StaffApiError ? err.code : 'generic' });
    }
  }
}

/** The show id of a report URL (`/report/<showId>`), or null for any other page of the pane. */
export function reportShowId(pathname: string, valid: (id: string) => boolean): string | null {
  const m = /^\/report\/([^/]+)\/?$/.exec(pathname);
  if (!m) return null;
  const id = decodeURIComponent(m[1]!);
  return valid(id) ? id : null;
}
