import { describe, expect, it } from 'vitest';
import type { ShowInfo } from '../../../shared/domain/show';
import { selectErrorKind, selectScreen } from '../selectors';
import { createViewerStore, type ViewerState } from '../store';
import { fallbackReason } from './hls-fallback';
import { playsHlsNatively } from './hls-player';

const show = (status: ShowInfo['status']): ShowInfo => ({
  id: 'show-123456',
  title: 'Show',
  status,
  createdAt: 0,
  startedAt: null,
  endedAt: null,
});

function state(patch: Partial<ViewerState> = {}): ViewerState {
  const store = createViewerStore();
  store.setState(patch);
  return store.getState();
}

describe('fallbackReason', () => {
  it('switches a refused join (UNAVAILABLE) to HLS', () => {
    expect(fallbackReason(state({ fatal: { kind: 'error', code: 'UNAVAILABLE', message: 'full' } }), false)).toBe('full');
  });

  it('does not switch for other errors, an ended show, or a page already on HLS', () => {
    expect(fallbackReason(state({ fatal: { kind: 'error', code: 'INTERNAL', message: 'x' } }), false)).toBeNull();
    expect(fallbackReason(state({ fatal: { kind: 'notFound' } }), true)).toBeNull();
    const full = { fatal: { kind: 'error', code: 'UNAVAILABLE', message: 'full' } } as const;
    expect(fallbackReason(state({ ...full, show: show('ended') }), false)).toBeNull();
    expect(fallbackReason(state({ ...full, playback: 'hls' }), false)).toBeNull();
  });

  it('switches when the first WebRTC connection fails or is not up in time, not after a picture was seen', () => {
    expect(fallbackReason(state({ transportState: 'failed' }), false)).toBe('unreachable');
    expect(fallbackReason(state({ transportState: 'connecting' }), false)).toBeNull();
    expect(fallbackReason(state({ transportState: 'connecting' }), true)).toBe('unreachable');
    expect(fallbackReason(state({ transportState: 'connected' }), true)).toBeNull();
    expect(fallbackReason(state({ transportState: 'failed', firstFrameMs: 900 }), true)).toBeNull();
  });
});

describe('screens on HLS', () => {
  it('is live once HLS shows a frame, whatever the (stopped) WebRTC connection says', () => {
    const s = createViewerStore();
    s.getState().setFatal({ kind: 'error', code: 'UNAVAILABLE', message: 'full' });
    expect(selectScreen(s.getState())).toBe('error');
    s.getState().switchedToHls('full');
    s.getState().setConnection('closed');
    s.getState().joined(show('live'), 3, []);
    expect(selectScreen(s.getState())).toBe('loading');
    s.setState({ videoFrameSeen: true });
    expect(selectScreen(s.getState())).toBe('live');
  });

  it('says the show is full when HLS cannot play in this browser', () => {
    const s = createViewerStore();
    s.getState().switchedToHls('full');
    s.getState().setHlsFailed(true);
    expect(selectScreen(s.getState())).toBe('error');
    expect(selectErrorKind(s.getState())).toBe('full');
  });
});

describe('playsHlsNatively', () => {
  const video = (answer: string) => ({ canPlayType: () => answer }) as unknown as HTMLVideoElement;
  it('is native HLS in Safari / iOS, hls.js in Chromium even when it says "maybe"', () => {
    expect(playsHlsNatively(video('maybe'), { vendor: 'Apple Computer, Inc.' }, { MediaSource: 1 })).toBe(true);
    expect(playsHlsNatively(video('maybe'), { vendor: 'Google Inc.' }, { MediaSource: 1 })).toBe(false);
    expect(playsHlsNatively(video(''), { vendor: 'Google Inc.' }, { MediaSource: 1 })).toBe(false);
    expect(playsHlsNatively(video('maybe'), { vendor: '' }, {})).toBe(true);
  });
});
