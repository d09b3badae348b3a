import { describe, expect, it } from 'vitest';
import { orderPath, parseShowPath, parseViewerPath, sameOriginWsUrl, showIdFromQuery } from './route';

describe('parseShowPath', () => {
  it('reads a valid show id from /live/<id>', () => {
    expect(parseShowPath('/live/abc_DEF-123')).toEqual({ ok: true, showId: 'abc_DEF-123' });
    expect(parseShowPath('/live/abc_DEF-123/')).toEqual({ ok: true, showId: 'abc_DEF-123' });
    expect(parseShowPath('/mount/live/show123')).toEqual({ ok: true, showId: 'show123' });
    expect(parseShowPath('/live/show%2D123')).toEqual({ ok: true, showId: 'show-123' });
  });

  it('rejects ids that do not match ShowId', () => {
    expect(parseShowPath('/live/abc')).toMatchObject({ ok: false, reason: 'invalid', raw: 'abc' });
    expect(parseShowPath('/live/has%20space')).toMatchObject({ ok: false, reason: 'invalid', raw: 'has space' });
    expect(parseShowPath('/live/%E0%A4%A')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseShowPath(`/live/${'a'.repeat(41)}`)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('reports a missing id or a wrong path shape', () => {
    expect(parseShowPath('/live/')).toMatchObject({ ok: false, reason: 'missing' });
    expect(parseShowPath('/')).toMatchObject({ ok: false, reason: 'missing' });
    expect(parseShowPath('/live/show123/extra')).toMatchObject({ ok: false, reason: 'missing' });
    expect(parseShowPath('/viewer/index.html')).toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('sameOriginWsUrl', () => {
  it('uses ws for http and wss for https', () => {
    expect(sameOriginWsUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, '/ws/signaling')).toBe('ws://127.0.0.1:8080/ws/signaling');
    expect(sameOriginWsUrl({ protocol: 'https:', host: 'live.example.com' }, '/ws/signaling')).toBe('wss://live.example.com/ws/signaling');
  });
});

describe('parseViewerPath', () => {
  it('routes /orders and /orders/<orderId> to the order pages, everything else to the live page', () => {
    expect(parseViewerPath('/orders')).toEqual({ page: 'orders' });
    expect(parseViewerPath('/orders/')).toEqual({ page: 'orders' });
    expect(parseViewerPath('/orders/o_abc123XYZ')).toEqual({ page: 'order', orderId: 'o_abc123XYZ', raw: 'o_abc123XYZ' });
    expect(parseViewerPath('/orders/not-an-order')).toEqual({ page: 'order', orderId: null, raw: 'not-an-order' });
    expect(parseViewerPath('/live/show123')).toEqual({ page: 'live', route: { ok: true, showId: 'show123' } });
    expect(parseViewerPath('/replay/show123')).toEqual({ page: 'replay', showId: 'show123' });
    expect(parseViewerPath('/app/replay/show123/')).toEqual({ page: 'replay', showId: 'show123' });
    expect(parseViewerPath('/replay/bad!id')).toEqual({ page: 'replay', showId: null });
    expect(parseViewerPath('/live/replay')).toEqual({ page: 'live', route: { ok: true, showId: 'replay' } });
    expect(parseViewerPath('/live/orders')).toEqual({ page: 'live', route: { ok: true, showId: 'orders' } });
    expect(parseViewerPath('/')).toMatchObject({ page: 'live', route: { ok: false } });
  });

  it('reads and builds the order page links', () => {
    expect(showIdFromQuery('?showId=show123')).toBe('show123');
    expect(showIdFromQuery('?showId=bad id')).toBeNull();
    expect(showIdFromQuery('')).toBeNull();
    expect(orderPath('o_abc123XYZ', 'show123')).toBe('/orders/o_abc123XYZ?showId=show123');
    expect(orderPath('o_abc123XYZ')).toBe('/orders/o_abc123XYZ');
  });
});
