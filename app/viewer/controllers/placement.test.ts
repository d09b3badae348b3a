/** The viewer page's placement (cluster mode): where each connection goes, the token it joins with, typed refusals. */
import { describe, expect, it } from 'vitest';
import { CLUSTER_ELEMENT_ID } from '../../../shared/protocol/cluster';
import { RpcError } from '../../../shared/protocol/rpc';
import { PlacementController, readClusterMarker } from './placement';

const placement = (node: string) => ({
  showId: 'show-123',
  node,
  publicUrl: `http://${node}.example`,
  wsUrl: `ws://${node}.example/ws/signaling`,
  token: `123.${node}`,
  expiresAt: 123,
});

function fakeFetch(replies: { status: number; body: unknown }[]) {
  const urls: string[] = [];
  const fn = (async (url: string) => {
    urls.push(url);
    const r = replies.shift()!;
    return new Response(JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fn, urls };
}

describe('PlacementController', () => {
  it('connects where the placement says, joins with its token, and avoids the node it lost on the next attempt', async () => {
    const f = fakeFetch([
      { status: 200, body: placement('node-b') },
      { status: 200, body: placement('node-c') },
    ]);
    const p = new PlacementController({ showId: 'show-123', fetch: f.fn });
    expect(await p.wsUrl()).toBe('ws://node-b.example/ws/signaling');
    expect(p.token()).toBe('123.node-b');
    expect(await p.wsUrl()).toBe('ws://node-c.example/ws/signaling');
    expect(p.token()).toBe('123.node-c');
    expect(f.urls).toEqual(['/api/shows/show-123/placement', '/api/shows/show-123/placement?avoid=node-b']);
  });

  it('turns refusals into typed errors (NOT_FOUND stops the player), and a malformed answer into UNAVAILABLE', async () => {
    const f = fakeFetch([
      { status: 404, body: { error: { code: 'NOT_FOUND', message: 'show x is not published on any node' } } },
      { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'registry away' } } },
      { status: 200, body: { wsUrl: 'ws://x' } },
    ]);
    const p = new PlacementController({ showId: 'show-123', fetch: f.fn });
    await expect(p.wsUrl()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(p.wsUrl()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'registry away' });
    const err = await p.wsUrl().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('UNAVAILABLE');
    expect(p.token()).toBeUndefined();
  });

  it('asks the other nodes the last placement listed when the page’s own node cannot be reached', async () => {
    const urls: string[] = [];
    const replies: (Error | { status: number; body: unknown })[] = [
      { status: 200, body: { ...placement('node-d'), alternatives: ['http://node-a.example', 'http://node-c.example'] } },
      new TypeError('Failed to fetch'), // the page's node died
      new TypeError('Failed to fetch'), // so did A
      { status: 200, body: { ...placement('node-e'), alternatives: ['http://node-a.example', 'http://node-e.example'] } },
    ];
    const fn = (async (url: string, init: RequestInit) => {
      urls.push(`${url} ${init.credentials}`);
      const r = replies.shift()!;
      if (r instanceof Error) throw r;
      return new Response(JSON.stringify(r.body), { status: r.status });
    }) as unknown as typeof fetch;
    const p = new PlacementController({ showId: 'show-123', fetch: fn });
    expect(await p.wsUrl()).toBe('ws://node-d.example/ws/signaling');
    expect(await p.wsUrl()).toBe('ws://node-e.example/ws/signaling');
    expect(urls).toEqual([
      '/api/shows/show-123/placement same-origin',
      '/api/shows/show-123/placement?avoid=node-d same-origin',
      'http://node-a.example/api/shows/show-123/placement?avoid=node-d omit',
      'http://node-c.example/api/shows/show-123/placement?avoid=node-d omit',
    ]);
    // Nobody answers at all: a retryable refusal.
    replies.push(new TypeError('x'), new TypeError('x'), new TypeError('x'), new TypeError('x'));
    await expect(p.wsUrl()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('reads the cluster marker the server embeds, and nothing on a single node', () => {
    const doc = (text: string | null) => ({
      getElementById: (id: string) => (id === CLUSTER_ELEMENT_ID && text !== null ? ({ textContent: text } as HTMLElement) : null),
    });
    expect(readClusterMarker(doc('{"node":"node-a"}'))).toEqual({ node: 'node-a' });
    expect(readClusterMarker(doc(null))).toBeNull();
    expect(readClusterMarker(doc('not json'))).toBeNull();
  });
});
