/**
 * bench:latency — glass-to-glass studio → SFU → viewer at 720p30, and first-frame time over repeated joins.
 * BENCH_OUTPUT=720x1280 (or 1920x1080, 1080x1920) measures that output preset instead; a portrait one turns the studio's
 * frame through its reframe prompt (items fill the new frame) before going live.
 *
 * The studio (web mode, headless Chromium, fake camera) burns a timestamp strip into every program frame; the viewer
 * page decodes it from each presented frame (requestVideoFrameCallback) and compares it with the frame's
 * expectedDisplayTime on the same clock (both pages in one browser). The viewer pins the top simulcast layer.
 * `fps` counts distinct studio frames among the sampled ones; `presented_fps` every frame the viewer presented.
 * Last stdout line: {"bench":"latency","g2g_p50_ms",…}.
 */
import { openStudioAndGoLive, openViewer, type ProbeSample, percentile, poll, startStack } from '../../app/e2e/harness';
import { OUTPUT_PRESETS, type OutputPreset } from '../../shared/protocol/host';

const MEASURE_S = Number(process.env.BENCH_SECONDS ?? 30);
const JOINS = Number(process.env.BENCH_JOINS ?? 10);
const log = (...a: unknown[]) => console.error('[bench:latency]', ...a);
const round = (n: number) => Math.round(n * 10) / 10;

const OUTPUT = (Object.keys(OUTPUT_PRESETS) as OutputPreset[]).find(
  (p) => `${OUTPUT_PRESETS[p].width}x${OUTPUT_PRESETS[p].height}` === (process.env.BENCH_OUTPUT ?? '1280x720'),
);
if (!OUTPUT)
  throw new Error(
    `BENCH_OUTPUT must be one of ${Object.values(OUTPUT_PRESETS)
      .map((p) => `${p.width}x${p.height}`)
      .join(', ')}`,
  );
const { width: OUT_W, height: OUT_H } = OUTPUT_PRESETS[OUTPUT];

const stack = await startStack({ logLevel: 'error' });
try {
  // STUDIO_QUERY adds studio URL parameters (e.g. &renderer=webgl2) to compare compositor backends.
  const { page: studio, showId } = await openStudioAndGoLive(stack, 'bench latency', process.env.STUDIO_QUERY ?? '', OUTPUT);
  log('live', showId);
  // The viewer in its own browser context: its own renderer process, as on a buyer's separate device (pages of one
  // site in one context share a renderer main thread, which would queue the viewer's frames behind the studio's).
  const viewerContext = await stack.browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  const viewer = await openViewer(stack, showId, '', viewerContext);
  // every frame the viewer's compositor presented (requestVideoFrameCallback's presentedFrames), sampled or not
  const presented = () =>
    viewer.evaluate(() => (window.__storecast?.store.getState() as { presentedFrames?: number } | undefined)?.presentedFrames ?? 0);
  await poll('viewer playing', presented, 30_000);
  // Pin the top layer (the output's full size).
  await viewer.getByTestId('quality-button').click();
  await viewer.getByRole('menuitemradio').nth(1).click();
  await viewer.evaluate(() => (window as unknown as { __probe: { start(): boolean } }).__probe.start());
  await poll(
    `top layer ${OUT_W}x${OUT_H} at the viewer`,
    () =>
      viewer.evaluate((w) => {
        const s = (window as unknown as { __probe: { samples: ProbeSample[] } }).__probe.samples;
        return s.length > 0 && s[s.length - 1]!.width >= w;
      }, OUT_W),
    30_000,
  );
  log(`warming up 5 s at ${OUT_W}x${OUT_H}`);
  await new Promise((r) => setTimeout(r, 5000));
  const p0 = await presented();
  const t0 = Date.now();
  log(`measuring ${MEASURE_S} s`);
  await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
  const t1 = Date.now();
  const p1 = await presented();
  const { samples, undecoded } = await viewer.evaluate(() => {
    const p = (window as unknown as { __probe: { samples: ProbeSample[]; undecoded: number } }).__probe;
    return { samples: p.samples, undecoded: p.undecoded };
  });
  const win = samples.filter((s) => s.displayAt >= t0 && s.displayAt <= t1);
  const g2g = win.map((s) => s.displayAt - s.capturedAt);
  // Split: studio draw → last packet received (encode + network + SFU), and received → on screen (decode + render).
  const net = win.filter((s) => s.receivedAt !== null).map((s) => s.receivedAt! - s.capturedAt);
  const render = win.filter((s) => s.receivedAt !== null).map((s) => s.displayAt - s.receivedAt!);
  log(`split p50: capture→received ${round(percentile(net, 50))} ms, received→display ${round(percentile(render, 50))} ms`);
  const distinctFrames = new Set(win.map((s) => s.capturedAt)).size;
  const fps = distinctFrames / ((t1 - t0) / 1000);
  const presentedFps = (p1 - p0) / ((t1 - t0) / 1000);
  const sizes = new Map<string, number>();
  for (const s of win) sizes.set(`${s.width}x${s.height}`, (sizes.get(`${s.width}x${s.height}`) ?? 0) + 1);
  const [topSize] = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['0x0'];
  const [width, height] = topSize.split('x').map(Number) as [number, number];
  const studioStats = await studio.evaluate(() => {
    const s = window.__storecast!.store.getState() as unknown as { program: { fps: number; drawMs: number }; stats: unknown };
    return { program: s.program, stats: s.stats };
  });
  log('studio', JSON.stringify(studioStats), 'frames in window', win.length, 'undecoded', undecoded, 'sizes', JSON.stringify([...sizes]));
  // Joins come from the same viewer browser, which keeps the site's renderer process (another tab of the site left
  // open): each join is a fresh page load and session, not a cold browser start.
  await viewer.goto(`${stack.server.url}/healthz`);

  // First frame over repeated joins: a fresh viewer page each time; firstFrameMs is measured from navigation start.
  const fromNav: number[] = [];
  const fromJoin: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    const p = await viewerContext.newPage();
    await p.goto(`${stack.server.url}/live/${showId}`);
    // Wait inside the page (a store subscription) rather than polling it: each poll is a task on the viewer's main
    // thread, which is the bottleneck of the join on this machine.
    const r = await Promise.race([
      // A code string: tsx would wrap a named inner function in a helper the page does not have.
      p.evaluate(`new Promise((resolve) => {
        const store = window.__storecast.store;
        const check = () => {
          const s = store.getState();
          if (s.firstFrameMs !== null) resolve({ nav: s.firstFrameMs, join: s.joinToFirstFrameMs });
        };
        store.subscribe(check);
        check();
      })`) as Promise<{ nav: number; join: number | null }>,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no first frame within 20 s')), 20_000)),
    ]);
    const marks = await p.evaluate(() =>
      performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith('storecast:'))
        .map((m) => `${m.name.slice(10)}@${Math.round(m.startTime)}`)
        .join(' '),
    );
    log(`join ${i + 1} timeline (ms since navigation): ${marks} first-frame@${Math.round(r.nav)}`);
    fromNav.push(r.nav);
    if (r.join !== null) fromJoin.push(r.join);
    log(`join ${i + 1}: first frame ${Math.round(r.nav)} ms after navigation, ${r.join === null ? '?' : Math.round(r.join)} ms after join`);
    await p.close();
  }
  await studio.close();

  // first_frame_*: from the viewer page sending viewer.join to the first presented frame (the join path: signaling,
  // transport, consumers, ICE/DTLS, key frame, decode). first_frame_from_page_load_*: from navigation start, which adds
  // loading and starting the page's script bundle.
  const result = {
    bench: 'latency',
    g2g_p50_ms: round(percentile(g2g, 50)),
    g2g_p95_ms: round(percentile(g2g, 95)),
    first_frame_p50_ms: round(percentile(fromJoin, 50)),
    first_frame_p95_ms: round(percentile(fromJoin, 95)),
    fps: round(fps),
    presented_fps: round(presentedFps),
    width,
    height,
    samples: g2g.length,
    first_frame_from_page_load_p50_ms: round(percentile(fromNav, 50)),
    first_frame_from_page_load_p95_ms: round(percentile(fromNav, 95)),
    joins: fromJoin.length,
  };
  console.log(JSON.stringify(result));
} finally {
  await stack.close();
}
