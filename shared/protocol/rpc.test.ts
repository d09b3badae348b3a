import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RpcClient, RpcError } from './rpc';

const methods = { ping: { caller: 'any', req: z.object({}), res: z.object({ now: z.number() }) } } as const;

describe('RpcClient', () => {
  it('fails a request at once on an error code it does not know (a newer server), keeping the code in the message', async () => {
    const client = new RpcClient(methods, {}, 5000);
    const sent: string[] = [];
    client.attach({ send: (t: string) => sent.push(t) });
    const reply = client.request('ping', {});
    const { id } = JSON.parse(sent[0]!) as { id: number };
    expect(client.handleMessage(JSON.stringify({ t: 'res', id, ok: false, error: { code: 'ROOM_FULL', message: 'try later' } }))).toBe(
      true,
    );
    const err = await reply.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'INTERNAL', message: 'ROOM_FULL: try later' });
  });
});
