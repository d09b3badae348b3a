import { describe, expect, it } from 'vitest';
import type { ShowInfo } from '../../shared/domain/show';
import type { OverlayTrigger } from '../../shared/protocol/overlay';
import { OFFLINE_AFTER_ATTEMPTS, selectActiveLayer, selectErrorKind, selectScreen, selectStallReason } from './selectors';
import { createViewerStore, type FrameSample } from './store';

const show = (status: ShowInfo['status']): ShowInfo => ({
  id: 'show_123',
  title: 'Spring sale',
  status,
  createdAt: 1,
  startedAt: status === 'ready' ? null : 2,
  endedAt: status === 'ended' ? 3 : null,
});

const pin = (productId: string, priceMinor = 1000): OverlayTrigger => ({
  type: 'product.pin',
  id: `pin-${productId}`,
  at: 1,
  product: { productId, name: `Product ${productId}`, priceMinor, currency: 'CNY' },
});
const unpin = (productId: string): OverlayTrigger => ({ type: 'product.unpin', id: `unpin-${productId}`, at: 2, productId });

const frame = (presentationTime: number, presentedFrames: number, width = 1280, height = 720): FrameSample => ({
  now: presentationTime,
  presentationTime,
  expectedDisplayTime: presentationTime + 16,
  mediaTime: presentedFrames / 30,
  presentedFrames,
  width,
  height,
});

function liveStore() {
  const store = createViewerStore();
  const s = store.getState();
  s.setShowId('show_123');
  s.joined(show('live'), 5, []);
  s.setConnection('open');
  s.setTransportState('connected');
  s.trackAdded('video', { consumerId: 'cv', producerId: 'pv', paused: false });
  s.trackAdded('audio', { consumerId: 'ca', producerId: 'pa', paused: false });
  return store;
}

describe('overlays', () => {
  it('folds the join snapshot and live triggers, newest first', () => {
    const store = createViewerStore();
    store.getState().joined(show('live'), 0, [pin('a'), pin('b'), unpin('a'), pin('c')]);
    expect(store.getState().pinned.map((p) => p.product.productId)).toEqual(['c', 'b']);
    store.getState().applyTrigger(pin('b', 500));
    expect(store.getState().pinned.map((p) => [p.product.productId, p.product.priceMinor])).toEqual([
      ['b', 500],
      ['c', 1000],
    ]);
  });

  it('keeps the order of the server snapshot (newest first, not a log)', () => {
    const store = createViewerStore();
    const at = (t: OverlayTrigger, ms: number): OverlayTrigger => ({ ...t, at: ms });
    store.getState().joined(show('live'), 0, [at(pin('newest'), 30), at(pin('middle'), 20), at(pin('oldest'), 10)]);
    expect(store.getState().pinned.map((p) => p.product.productId)).toEqual(['newest', 'middle', 'oldest']);
  });

  it('collapses the expanded card when its product is unpinned', () => {
    const store = createViewerStore();
    store.getState().applyTrigger(pin('a'));
    store.getState().toggleExpanded('a');
    expect(store.getState().expandedProductId).toBe('a');
    store.getState().applyTrigger(unpin('a'));
    expect(store.getState().expandedProductId).toBeNull();
  });

  it('a rejoin replaces the pinned list with the server snapshot', () => {
    const store = createViewerStore();
    store.getState().applyTrigger(pin('old'));
    store.getState().joined(show('live'), 0, [pin('new')]);
    expect(store.getState().pinned.map((p) => p.product.productId)).toEqual(['new']);
  });

  it('a synced overlay state replaces the pinned list; triggers received meanwhile apply on top', () => {
    const store = createViewerStore();
    store.getState().joined(show('live'), 0, [pin('a')]);
    store.getState().toggleExpanded('a');
    // the server's state (newest first) after a pin of b and an unpin of a the channel missed
    store.getState().overlaysSynced([pin('b')]);
    expect(store.getState().pinned.map((p) => p.product.productId)).toEqual(['b']);
    expect(store.getState().expandedProductId).toBeNull();
    // a trigger the state already holds changes nothing
    store.getState().applyTrigger(pin('b'));
    expect(store.getState().pinned.map((p) => p.product.productId)).toEqual(['b']);
  });
});

describe('screen selection', () => {
  it('walks loading → ready → live → ended', () => {
    const store = createViewerStore();
    expect(selectScreen(store.getState())).toBe('loading');
    store.getState().setShowId('show_123');
    store.getState().joined(show('ready'), 0, []);
    store.getState().setConnection('open');
    expect(selectScreen(store.getState())).toBe('ready');
    store.getState().showChanged(show('live'));
    expect(selectScreen(store.getState())).toBe('reconnecting'); // live but no video yet
    store.getState().trackAdded('video', { consumerId: 'cv', producerId: 'pv', paused: false });
    expect(selectScreen(store.getState())).toBe('loading'); // waiting for the first frame
    store.getState().frame(frame(900, 1));
    expect(selectScreen(store.getState())).toBe('live');
    store.getState().showChanged(show('ended'));
    expect(selectScreen(store.getState())).toBe('ended');
  });

  it('says the connection is too poor once the player gave up on ICE, until a transport connects again', () => {
    const store = liveStore();
    store.getState().frame(frame(500, 1));
    store.getState().setTransportState('connected');
    store.getState().setTransportState('failed');
    expect(selectStallReason(store.getState())).toBe('network');
    // The watchdog gave up: the player rejoins (socket down, media cleared) and keeps retrying by itself.
    store.getState().setPoorConnection(true);
    store.getState().setConnection('reconnecting');
    store.getState().mediaCleared();
    expect(selectScreen(store.getState())).toBe('reconnecting');
    expect(selectStallReason(store.getState())).toBe('poor');
    // The rejoin's socket is open but its transport has not connected yet: still too poor, not "waiting for media".
    store.getState().setConnection('open');
    store.getState().setTransportState('new');
    expect(selectStallReason(store.getState())).toBe('poor');
    store.getState().setTransportState('connected');
    expect(store.getState().poorConnection).toBe(false);
    expect(selectStallReason(store.getState())).toBe('media');
  });

  it('says the connection is too poor while the link watch finds the media too poor, not the studio', () => {
    const store = liveStore();
    store.getState().trackAdded('video', { consumerId: 'cv', producerId: 'pv', paused: false });
    store.getState().frame(frame(500, 1));
    // Heavy loss: the transport stays connected, the SFU forwards no layer any more.
    store.getState().setLayers('cv', null, null);
    expect(selectStallReason(store.getState())).toBe('host');
    store.getState().setMediaTooPoor(true);
    expect(selectStallReason(store.getState())).toBe('poor');
    expect(selectScreen(store.getState())).toBe('reconnecting');
    // Its rejoin: still too poor (not "unstable"), and a new transport connecting does not end it.
    store.getState().setConnection('reconnecting');
    store.getState().mediaCleared();
    expect(selectStallReason(store.getState())).toBe('poor');
    store.getState().setConnection('open');
    store.getState().setTransportState('connected');
    expect(selectStallReason(store.getState())).toBe('poor');
    // The studio's own outage is said as such.
    store.getState().setPublisherConnected('show_123', false);
    expect(selectStallReason(store.getState())).toBe('host');
    store.getState().setPublisherConnected('show_123', true);
    store.getState().trackAdded('video', { consumerId: 'cv2', producerId: 'pv', paused: false });
    store.getState().setMediaTooPoor(false);
    store.getState().frame(frame(900, 2));
    expect(selectScreen(store.getState())).toBe('live');
  });

  it('shows reconnecting for network, host and media stalls', () => {
    const store = liveStore();
    store.getState().frame(frame(500, 1));
    expect(selectScreen(store.getState())).toBe('live');

    store.getState().setTransportState('disconnected');
    expect(selectStallReason(store.getState())).toBe('network');
    store.getState().setTransportState('connected');

    store.getState().setPublisherConnected('show_123', false);
    expect(selectStallReason(store.getState())).toBe('host');
    expect(selectScreen(store.getState())).toBe('reconnecting');
    store.getState().setPublisherConnected('show_123', true);

    store.getState().trackRemoved('cv');
    expect(selectStallReason(store.getState())).toBe('media');
    store.getState().trackAdded('video', { consumerId: 'cv2', producerId: 'pv2', paused: false });
    expect(selectScreen(store.getState())).toBe('loading');
    store.getState().frame(frame(9000, 2));
    expect(selectScreen(store.getState())).toBe('live');

    store.getState().setConnection('reconnecting');
    expect(selectScreen(store.getState())).toBe('reconnecting');
  });

  it('shows the host stall once the SFU forwards no layer of the playing video, and live again when a layer comes', () => {
    const store = liveStore();
    store.getState().frame(frame(500, 1));
    const consumerId = store.getState().video!.consumerId;
    store.getState().setLayers(consumerId, 2, 2);
    expect(selectScreen(store.getState())).toBe('live');
    // The studio's stream stopped arriving; its socket still looks connected to the server.
    store.getState().setLayers(consumerId, null, null);
    expect(selectStallReason(store.getState())).toBe('host');
    expect(selectScreen(store.getState())).toBe('reconnecting');
    store.getState().setLayers(consumerId, 1, 2);
    expect(selectScreen(store.getState())).toBe('live');
    // A video the studio paused (camera off) is not a stall of this kind.
    store.getState().setLayers(consumerId, null, null);
    store.getState().trackPaused(consumerId, true);
    expect(selectStallReason(store.getState())).not.toBe('host');
  });

  it('ignores notifications for another show', () => {
    const store = liveStore();
    store.getState().setPublisherConnected('other_show', false);
    store.getState().setViewerCount('other_show', 99);
    expect(store.getState().publisherConnected).toBe(true);
    expect(store.getState().viewerCount).toBe(5);
  });

  it('turns fatal errors and repeated connection failures into designed screens', () => {
    const store = createViewerStore();
    for (let i = 0; i < OFFLINE_AFTER_ATTEMPTS - 1; i++) store.getState().connectFailed();
    expect(selectScreen(store.getState())).toBe('loading');
    store.getState().connectFailed();
    expect(selectScreen(store.getState())).toBe('error');
    expect(selectErrorKind(store.getState())).toBe('offline');
    store.getState().joined(show('live'), 0, []);
    expect(store.getState().failedAttempts).toBe(0);

    const nf = createViewerStore();
    nf.getState().setFatal({ kind: 'notFound' });
    expect(selectScreen(nf.getState())).toBe('notFound');
    const inv = createViewerStore();
    inv.getState().setFatal({ kind: 'invalidId' });
    expect(selectScreen(inv.getState())).toBe('notFound');
    const err = createViewerStore();
    err.getState().setFatal({ kind: 'error', code: 'INTERNAL', message: 'boom' });
    expect(selectScreen(err.getState())).toBe('error');
    expect(selectErrorKind(err.getState())).toBe('server');
  });

  it('shows a full show as its own waiting screen, also to a viewer who was watching, until a join succeeds', () => {
    const store = createViewerStore();
    store.getState().joined(show('live'), 3, []);
    store.getState().setFatal({ kind: 'error', code: 'UNAVAILABLE', message: 'the media server is at capacity' });
    expect(selectScreen(store.getState())).toBe('error');
    expect(selectErrorKind(store.getState())).toBe('full');
    store.getState().joined(show('live'), 3, []);
    expect(selectErrorKind(store.getState())).toBeNull();
  });
});

describe('media and metrics', () => {
  it('records first-frame timings once and tracks size and frame counts', () => {
    const store = liveStore();
    store.getState().joinStarted(300);
    store.getState().joinStarted(5000); // a rejoin does not move the origin
    store.getState().frame(frame(1200, 1, 640, 360));
    store.getState().frame(frame(1250, 2, 1280, 720));
    const s = store.getState();
    expect(s.firstFrameMs).toBe(1200);
    expect(s.joinToFirstFrameMs).toBe(900);
    expect(s.presentedFrames).toBe(2);
    expect(s.videoSize).toEqual({ width: 1280, height: 720 });
    expect(s.lastFrame?.presentationTime).toBe(1250);
  });

  it('names the forwarded simulcast layer for the current video consumer only', () => {
    const store = liveStore();
    expect(selectActiveLayer(store.getState())).toBeNull();
    store.getState().setLayers('cv', 2, 1);
    expect(selectActiveLayer(store.getState())).toBe('high');
    store.getState().setLayers('ca', 0, 0); // not the video consumer: ignored
    expect(selectActiveLayer(store.getState())).toBe('high');
    store.getState().setLayers('cv', 0, 2);
    expect(selectActiveLayer(store.getState())).toBe('low');
    store.getState().setLayers('cv', null, null);
    expect(selectActiveLayer(store.getState())).toBeNull();
  });

  it('tracks pause state per consumer and clears media on teardown', () => {
    const store = liveStore();
    store.getState().trackPaused('ca', true);
    expect(store.getState().audio?.paused).toBe(true);
    expect(store.getState().video?.paused).toBe(false);
    store.getState().mediaCleared();
    expect(store.getState().video).toBeNull();
    expect(store.getState().audio).toBeNull();
    expect(store.getState().transportState).toBe('none');
  });
});
