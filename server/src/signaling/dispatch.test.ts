/** The signaling contract's dispatcher (shared/protocol/rpc.ts) against the real signaling method map. */
import { describe, expect, it, vi } from 'vitest';
import { type Caller, dispatchRequest, type Handlers, MAX_MESSAGE_BYTES, RpcClient, RpcError } from '../../../shared/protocol/rpc';
import { type SignalingMethods, signalingMethods, signalingNotifications } from '../../../shared/protocol/signaling';

type Ctx = { calls: string[] };

function handlers(overrides: Partial<Handlers<SignalingMethods, Ctx>> = {}): Handlers<SignalingMethods, Ctx> {
  const unexpected = (name: string) => () => {
    throw new Error(`${name} should not be called`);
  };
  const base = Object.fromEntries(Object.keys(signalingMethods).map((k) => [k, unexpected(k)])) as unknown as Handlers<
    SignalingMethods,
    Ctx
  >;
  return { ...base, ...overrides };
}

const req = (id: unknown, method: string, data: unknown) => JSON.stringify({ t: 'req', id, method, data });
/** A caller every signaling method admits (the role check has its own tests below). */
const ANY_ROLE: Caller = { roles: ['viewer', 'studio'] };
const ICE = { usernameFragment: 'u', password: 'p', iceLite: true };

describe('dispatchRequest with the signaling map', () => {
  it('rejects malformed JSON without an id', async () => {
    expect(await dispatchRequest(signalingMethods, handlers(), '{"t":', { calls: [] }, ANY_ROLE)).toEqual({
      t: 'res',
      id: null,
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'message is not valid JSON' },
    });
  });

  it('rejects a bad envelope and echoes a numeric id when there is one', async () => {
    const r = await dispatchRequest(
      signalingMethods,
      handlers(),
      JSON.stringify({ t: 'ntf', id: 4, method: 'ping' }),
      { calls: [] },
      ANY_ROLE,
    );
    expect(r).toMatchObject({ t: 'res', id: 4, ok: false, error: { code: 'BAD_REQUEST' } });
    const r2 = await dispatchRequest(signalingMethods, handlers(), req(-1, 'ping', {}), { calls: [] }, ANY_ROLE);
    expect(r2).toMatchObject({ id: -1, ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('rejects unknown methods, including prototype names', async () => {
    for (const m of ['nope', '__proto__', 'toString', 'constructor']) {
      const r = await dispatchRequest(signalingMethods, handlers(), req(1, m, {}), { calls: [] }, ANY_ROLE);
      expect(r).toMatchObject({ id: 1, ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
  });

  it('validates payloads before the handler runs', async () => {
    const join = vi.fn();
    const h = handlers({ 'viewer.join': join });
    for (const data of [{ showId: 'a' }, { showId: 'has space 123' }, {}, 'string', null]) {
      const r = await dispatchRequest(signalingMethods, h, req(2, 'viewer.join', data), { calls: [] }, ANY_ROLE);
      expect(r).toMatchObject({ id: 2, ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const tooLong = await dispatchRequest(signalingMethods, h, req(3, 'show.open', { title: 'x'.repeat(121) }), { calls: [] }, ANY_ROLE);
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('title') } });
    expect(join).not.toHaveBeenCalled();
  });

  it('passes validated data and context to the handler and returns its result', async () => {
    const ctx: Ctx = { calls: [] };
    const h = handlers({
      'show.goLive': ({ showId }, c) => {
        c.calls.push(showId);
        return { show: { id: showId, title: 't', status: 'live', createdAt: 1, startedAt: 2, endedAt: null } };
      },
    });
    const r = await dispatchRequest(signalingMethods, h, req(5, 'show.goLive', { showId: 'show_123' }), ctx, ANY_ROLE);
    expect(r).toMatchObject({ id: 5, ok: true, data: { show: { id: 'show_123', status: 'live' } } });
    expect(ctx.calls).toEqual(['show_123']);
  });

  it('turns an RpcError into its typed reply', async () => {
    const h = handlers({
      'viewer.join': () => {
        throw new RpcError('NOT_FOUND', 'unknown show abcdefg');
      },
    });
    const r = await dispatchRequest(signalingMethods, h, req(6, 'viewer.join', { showId: 'abcdefg' }), { calls: [] }, ANY_ROLE);
    expect(r).toEqual({ t: 'res', id: 6, ok: false, error: { code: 'NOT_FOUND', message: 'unknown show abcdefg' } });
  });

  it('turns any other failure into INTERNAL without leaking its message, and reports it', async () => {
    const onInternal = vi.fn();
    const h = handlers({
      ping: async () => {
        throw new Error('SQLITE_CORRUPT at /secret/path');
      },
    });
    const r = await dispatchRequest(signalingMethods, h, req(7, 'ping', {}), { calls: [] }, ANY_ROLE, onInternal);
    expect(r).toEqual({ t: 'res', id: 7, ok: false, error: { code: 'INTERNAL', message: 'ping failed' } });
    expect(JSON.stringify(r)).not.toContain('secret');
    expect(onInternal).toHaveBeenCalledWith(expect.any(Error), 'ping');
  });

  it('rejects text over MAX_MESSAGE_BYTES as TOO_LARGE', async () => {
    const r = await dispatchRequest(
      signalingMethods,
      handlers(),
      req(8, 'ping', { pad: 'x'.repeat(MAX_MESSAGE_BYTES) }),
      { calls: [] },
      ANY_ROLE,
    );
    expect(r).toMatchObject({ id: null, ok: false, error: { code: 'TOO_LARGE' } });
  });
});

describe("dispatchRequest role check (each method's declared caller)", () => {
  it('refuses a role the method does not declare with FORBIDDEN before the payload is read or the handler runs', async () => {
    const goLive = vi.fn();
    const h = handlers({ 'show.goLive': goLive });
    const viewer: Caller = { roles: ['viewer'] };
    for (const data of [{ showId: 'show_123' }, {}, 'garbage']) {
      const r = await dispatchRequest(signalingMethods, h, req(9, 'show.goLive', data), { calls: [] }, viewer);
      expect(r).toEqual({ t: 'res', id: 9, ok: false, error: { code: 'FORBIDDEN', message: 'show.goLive: only studio may call this' } });
    }
    expect(goLive).not.toHaveBeenCalled();
  });

  it('answers UNAUTHORIZED with what to do first to a caller that has not identified itself', async () => {
    const consume = vi.fn();
    const r = await dispatchRequest(
      signalingMethods,
      handlers({ consume }),
      req(10, 'consume', {}),
      { calls: [] },
      {
        unidentified: 'join a show first',
      },
    );
    expect(r).toEqual({ t: 'res', id: 10, ok: false, error: { code: 'UNAUTHORIZED', message: 'consume: join a show first' } });
    expect(consume).not.toHaveBeenCalled();
  });

  it("lets anyone call an 'any' method and either listed role call a method declared for several", async () => {
    const h = handlers({ ping: () => ({ now: 1 }), 'transport.restartIce': () => ({ iceParameters: ICE }) });
    const ping = await dispatchRequest(signalingMethods, h, req(11, 'ping', {}), { calls: [] }, { unidentified: 'x' });
    expect(ping).toMatchObject({ ok: true, data: { now: 1 } });
    for (const role of ['viewer', 'studio'] as const) {
      const r = await dispatchRequest(
        signalingMethods,
        h,
        req(12, 'transport.restartIce', { transportId: 't1' }),
        { calls: [] },
        {
          roles: [role],
        },
      );
      expect(r).toMatchObject({ ok: true, data: { iceParameters: ICE } });
    }
  });
});

describe('RpcClient against dispatchRequest', () => {
  it('round-trips requests and validates replies and notifications', async () => {
    const h = handlers({ ping: () => ({ now: 123 }) });
    const client = new RpcClient(signalingMethods, signalingNotifications, 1000);
    client.attach({
      send: (text) => {
        void dispatchRequest(signalingMethods, h, text, { calls: [] }, ANY_ROLE).then((res) => client.handleMessage(JSON.stringify(res)));
      },
    });
    expect(await client.request('ping', {})).toEqual({ now: 123 });
    const seen: number[] = [];
    client.on('viewers.count', (d) => seen.push(d.count));
    expect(client.handleMessage(JSON.stringify({ t: 'ntf', method: 'viewers.count', data: { showId: 'abcdef', count: 3 } }))).toBe(true);
    expect(client.handleMessage(JSON.stringify({ t: 'ntf', method: 'viewers.count', data: { showId: 'abcdef', count: -1 } }))).toBe(false);
    expect(seen).toEqual([3]);
  });
});
