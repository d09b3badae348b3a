import { afterEach, describe, expect, it, vi } from 'vitest';
import { ViewerEventBatch } from '../../../shared/analytics/events';
import { createViewerStore } from '../store';
import { AnalyticsReporter, type SendResult } from './analytics';

afterEach(() => vi.useRealTimers());

const line = (productId: string, skuId: string, qty: number) => ({
  skuId,
  productId,
  qty,
  seenPriceMinor: 100,
  currency: 'CNY',
  title: productId,
  optionsLabel: '',
  imageUrl: null,
  addedAt: 1,
});

function setup(results: SendResult[] = []) {
  const store = createViewerStore();
  store.getState().setLineup(['p_shown', 'p_other']);
  const sent: { body: ViewerEventBatch; final: boolean }[] = [];
  let n = 0;
  const reporter = new AnalyticsReporter({
    store,
    showId: 'show_123',
    viewerId: 'device-0001',
    now: () => 1_000,
    flushMs: 30_000,
    randomId: () => `batch-${String(++n).padStart(4, '0')}`,
    transport: {
      async send(body, final) {
        // Every body the page sends satisfies the server's contract.
        sent.push({ body: ViewerEventBatch.parse(JSON.parse(body)), final });
        return results.shift() ?? 'ok';
      },
    },
  });
  const kinds = () => sent.flatMap((s) => s.body.events.map((e) => (e.productId ? `${e.kind}:${e.productId}` : e.kind)));
  return { store, reporter, sent, kinds };
}

describe('AnalyticsReporter', () => {
  it('reports entry, clicks, add-to-cart and checkout from the store, impressions, and leave by beacon', async () => {
    vi.useFakeTimers();
    const { store, reporter, sent, kinds } = setup();
    // A cart restored from storage before the reporter starts is no add-to-cart.
    store.getState().cartDispatch({ type: 'add', line: line('p_other', 'sku_other', 1), max: 5 });
    reporter.start();
    await vi.advanceTimersByTimeAsync(0);
    const s = store.getState();
    s.toggleExpanded('p_shown'); // details opened
    s.toggleExpanded('p_shown'); // and closed: no event
    s.openSheet({ kind: 'buy', productId: 'p_shown' });
    store.getState().cartDispatch({ type: 'add', line: line('p_shown', 'sku_shown', 2), max: 5 });
    store.getState().openSheet(null);
    store.getState().openSheet({ kind: 'checkout', items: [{ skuId: 'sku_shown', qty: 2 }], fromCart: true });
    reporter.impression('p_shown');
    reporter.impression('p_not_in_show'); // never sent: the server would refuse the batch
    await vi.advanceTimersByTimeAsync(30_000);
    reporter.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(kinds()).toEqual([
      'enter',
      'click:p_shown',
      'click:p_shown',
      'cart.add:p_shown',
      'checkout.start:p_shown',
      'impression:p_shown',
      'alive',
      'leave',
    ]);
    expect(sent.map((x) => [x.body.batchId, x.final])).toEqual([
      ['batch-0001', false],
      ['batch-0002', false],
      ['batch-0003', true],
    ]);
    expect(sent[1]!.body.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('resends a batch under the same id after a network failure; drops a refused one', async () => {
    const { reporter, sent } = setup(['retry', 'drop']);
    reporter.start();
    await reporter.flush(false);
    reporter.impression('p_other');
    await reporter.flush(false);
    expect(sent.map((x) => x.body.batchId)).toEqual(['batch-0001', 'batch-0001', 'batch-0002']);
    await reporter.flush(false);
    expect(sent).toHaveLength(3);
  });

  it('reports products the show pinned outside its lineup, and nothing for others', async () => {
    const { store, reporter, kinds } = setup();
    reporter.start();
    const product = { productId: 'p_pinned', name: 'Pinned', priceMinor: 100, currency: 'CNY' };
    store.getState().applyTrigger({ type: 'product.pin', id: 'pin-0001', at: 1, product });
    store.getState().toggleExpanded('p_pinned');
    reporter.impression('p_elsewhere');
    await reporter.flush(false);
    expect(kinds()).toEqual(['enter', 'click:p_pinned']);
  });

  it('splits a long queue into batches the server accepts', async () => {
    const { reporter, sent } = setup();
    reporter.start();
    for (let i = 0; i < 250; i++) reporter.impression('p_shown');
    await reporter.flush(false);
    expect(sent.map((x) => x.body.events.length)).toEqual([100, 100, 51]);
  });
});
