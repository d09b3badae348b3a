/**
 * The viewer weak-network suite's fixture (weaknet.e2e.test.ts): a veth link into a network namespace, the stack
 * listening on its root side with the studio live, viewer browsers inside the namespace, and what the SFU side shows
 * of that viewer (layers forwarded, the downlink guard's pause, the transport's protocol). Registers the describe
 * block's hooks; the link's impairments are lifted after every test.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium, openStudioAndGoLive, openViewer, type Stack, startStack, watchConsole } from './harness';
import { createNetLink, type NetLink } from './netns';
import { pageLogScript, TOP_LAYER, watchEstimateCut } from './weaknet-page';

export interface ImpairedViewerSuite {
  /** The impaired link, the stack and the live show: read them inside tests and hooks (they start in `beforeAll`). */
  readonly link: NetLink;
  readonly stack: Stack;
  readonly showId: string;
  /** A viewer page in a browser inside the namespace (closed after the test). */
  openImpairedViewer(): Promise<Page>;
  studioSendsTop(): boolean;
  watchViewerVideo(): { pausedAt: number | null; lowerAt: number | null; cutAt: number | null; stop(): void };
  viewerTransportProtocol(): string | null;
}

/** Call inside a `describe`: registers the link's and the stack's start and close as that block's hooks. */
export function useImpairedViewerSuite(): ImpairedViewerSuite {
  let link: NetLink;
  let stack: Stack;
  let showId: string;
  let viewerBrowser: Browser | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    link = createNetLink();
    stack = await startStack({ server: { host: link.hostIp, rtcListenIp: link.hostIp, rtcAnnouncedIp: link.hostIp } });
    const live = await openStudioAndGoLive(stack, 'E2E 弱网');
    watchConsole(live.page, 'studio', logs);
    showId = live.showId;
  });
  afterAll(async () => {
    await viewerBrowser?.close().catch(() => undefined);
    await stack?.close();
    link?.close();
  });
  afterEach(async (ctx) => {
    await viewerBrowser?.close().catch(() => undefined);
    viewerBrowser = null;
    if (!link) return; // beforeAll failed: its error says why
    link.impair({});
    link.capDownlink(null);
    link.setLink(true);
    if (ctx.task.result?.state === 'fail') console.log(logs.join('\n'));
    logs.length = 0;
  });

  /** A viewer page in a browser inside the namespace; every byte it exchanges with the server crosses the veth. */
  async function openImpairedViewer(): Promise<Page> {
    // The page is served from the veth address over plain HTTP, which Chromium treats as an insecure origin (no
    // WebRTC device for mediasoup-client); production serves HTTPS, the test says this origin counts as secure.
    viewerBrowser = await launchChromium(link.chromium, [`--unsafely-treat-insecure-origin-as-secure=${stack.server.url}`]);
    const context = await viewerBrowser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 720 } });
    await context.addInitScript({ content: pageLogScript(!!process.env.WEAKNET_REPORT) });
    const page = await openViewer(stack, showId, '', context);
    watchConsole(page, 'viewer', logs);
    return page;
  }

  /** Whether the studio's video producer receives its top simulcast layer (its score is 0 while that stream is off). */
  function studioSendsTop(): boolean {
    for (const p of stack.server.rooms.get(showId)?.mediaProducers() ?? []) {
      if (p.kind === 'video') return p.score.some((s) => s.encodingIdx === TOP_LAYER && s.score > 0);
    }
    return false;
  }

  /**
   * When the SFU acted on the viewer's video consumer (wall clock): the downlink guard's flush (its pause) and the
   * first lower layer mediasoup forwarded after it (its key frame went out); and the first sign of congestion the
   * server had: the viewer transport's bandwidth estimate, read every 100 ms until `stop()`, cut by 12 % or more.
   */
  function watchViewerVideo(): { pausedAt: number | null; lowerAt: number | null; cutAt: number | null; stop(): void } {
    const viewers = [...(stack.server.rooms.get(showId)?.viewers.values() ?? [])];
    const cut = watchEstimateCut(viewers.flatMap((p) => [...p.transports.values()]));
    const seen = { pausedAt: null as number | null, lowerAt: null as number | null, cutAt: null as number | null, stop: cut.stop };
    cut.onCut = (at) => {
      seen.cutAt ??= at;
    };
    for (const peer of stack.server.rooms.get(showId)?.viewers.values() ?? []) {
      for (const c of peer.consumers.values()) {
        if (c.kind !== 'video') continue;
        c.observer.on('pause', () => {
          seen.pausedAt ??= Date.now();
        });
        c.observer.on('layerschange', (l) => {
          if (l && l.spatialLayer < TOP_LAYER) seen.lowerAt ??= Date.now();
        });
      }
    }
    return seen;
  }

  /** The protocol of the ICE tuple the SFU uses for the (only) viewer's transport. */
  function viewerTransportProtocol(): string | null {
    const room = stack.server.rooms.get(showId);
    for (const peer of room?.viewers.values() ?? []) {
      for (const t of peer.transports.values()) {
        if (t.iceSelectedTuple) return t.iceSelectedTuple.protocol;
      }
    }
    return null;
  }

  return {
    get link() {
      return link;
    },
    get stack() {
      return stack;
    },
    get showId() {
      return showId;
    },
    openImpairedViewer,
    studioSendsTop,
    watchViewerVideo,
    viewerTransportProtocol,
  };
}

export const screenOf = (page: Page) => page.evaluate(() => (window.__storecast as unknown as { screen(): string }).screen());

/** The page's own view of the realtime (chat) socket and its messages. */
export const chatState = (page: Page) =>
  page.evaluate(() => {
    const s = window.__storecast!.store.getState() as {
      rtStatus: string;
      you: { name: string } | null;
      messages: { text: string }[];
      mediaTooPoor: boolean;
    };
    return { rtStatus: s.rtStatus, named: s.you?.name ?? null, texts: s.messages.map((m) => m.text), mediaTooPoor: s.mediaTooPoor };
  });
