/**
 * The start every live-show e2e suite shares: one stack per describe block (started before its tests, closed after
 * them), the studio going live, viewer pages, and the console errors of every page the suite opened, printed when it
 * ends. Kept apart from harness.ts because it registers vitest hooks and the benches import the harness.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type ProductView, ProductList } from '../../shared/commerce/catalog';
import type { OutputPreset } from '../../shared/protocol/host';
import { openStudioAndGoLive, openViewer, type Stack, startStack, watchConsole } from './harness';

export interface StackSuite {
  /** The running stack: read it inside tests and hooks (it starts in `beforeAll`). */
  readonly stack: Stack;
  /** Console errors, warnings and page errors of the pages opened through the suite. */
  readonly logs: string[];
  /** The web studio, live with `title` (at `output` if given); its console goes to `logs` as "studio". */
  goLive(title: string, output?: OutputPreset): Promise<{ page: Page; showId: string }>;
  /** A viewer page on the show (with the latency probe); its console goes to `logs` under `name`. */
  openViewer(showId: string, name?: string, query?: string, context?: BrowserContext): Promise<Page>;
  /** The catalog as a viewer reads it. */
  products(): Promise<ProductView[]>;
  /** The uncaught page errors logged so far. */
  pageErrors(): string[];
}

/** Call inside a `describe`: registers the stack's start and close as that block's hooks. */
export function useStackSuite(opts?: Parameters<typeof startStack>[0]): StackSuite {
  let stack: Stack | undefined;
  const logs: string[] = [];
  beforeAll(async () => {
    stack = await startStack(opts);
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    await stack?.close();
  });
  const running = (): Stack => {
    if (!stack) throw new Error('the stack runs only inside tests and hooks');
    return stack;
  };
  return {
    get stack() {
      return running();
    },
    logs,
    async goLive(title, output) {
      const live = await openStudioAndGoLive(running(), title, '', output);
      watchConsole(live.page, 'studio', logs);
      return live;
    },
    async openViewer(showId, name = 'viewer', query = '', context) {
      const page = await openViewer(running(), showId, query, context);
      watchConsole(page, name, logs);
      return page;
    },
    async products() {
      const url = `${running().server.url}/api/products`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
      return ProductList.parse(await res.json()).products;
    },
    pageErrors: () => logs.filter((l) => /pageerror/.test(l)),
  };
}
