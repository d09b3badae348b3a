import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import i18next, { type TFunction } from 'i18next';
import { z } from 'zod';
import { OrderId } from '../../../../shared/commerce/common';
import { formatMinor } from '../domain/csv';
import type { CommerceCore } from '../core';
import { parse } from '../errors';

const resources = {
  'zh-CN': {
    translation: {
      title: 'Storecast 沙盒支付',
      subtitle: '这是内置的测试支付页面，不会产生真实扣款。',
      amount: '支付金额',
      item: '商品',
      approve: '确认支付',
      decline: '拒绝支付',
      status_open: '等待支付',
      status_succeeded: '支付成功',
      status_failed: '支付已拒绝',
      status_refunded: '已退款',
      back: '返回直播间',
      notFound: '找不到这笔支付。',
      order: '订单',
      orderStatus_pending_payment: '待支付',
      orderStatus_paid: '已支付',
      orderStatus_shipped: '已发货',
      orderStatus_completed: '已完成',
      orderStatus_cancelled: '已取消',
      orderStatus_refund_requested: '退款中',
      orderStatus_refunded: '已退款',
    },
  },
  en: {
    translation: {
      title: 'Storecast sandbox payment',
      subtitle: 'Built-in test payment page — no real money moves.',
      amount: 'Amount',
      item: 'Item',
      approve: 'Approve payment',
      decline: 'Decline',
      status_open: 'Awaiting payment',
      status_succeeded: 'Payment approved',
      status_failed: 'Payment declined',
      status_refunded: 'Refunded',
      back: 'Back to the live show',
      notFound: 'No such payment.',
      order: 'Order',
      orderStatus_pending_payment: 'Awaiting payment',
      orderStatus_paid: 'Paid',
      orderStatus_shipped: 'Shipped',
      orderStatus_completed: 'Completed',
      orderStatus_cancelled: 'Cancelled',
      orderStatus_refund_requested: 'Refund in progress',
      orderStatus_refunded: 'Refunded',
    },
  },
};

const SandboxParams = z.object({ ref: z.string().regex(/^sbx_[A-Za-z0-9_-]{6,40}$/) });
const OrderParams = z.object({ orderId: OrderId });
const MediaParams = z.object({ file: z.string().regex(/^(img_[A-Za-z0-9_-]{6,40})-(large|thumb)\.webp$/) });

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(lang: string, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>
:root{color-scheme:dark;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#0f1115;color:#e8eaed}
main{width:min(420px,92vw);background:#181b22;border:1px solid #262a33;border-radius:16px;padding:28px;box-shadow:0 20px 60px #0008}
h1{font-size:20px;margin:0 0 4px}p.sub{color:#9aa0aa;font-size:13px;margin:0 0 22px}
.row{display:flex;justify-content:space-between;margin:10px 0;color:#c5c9d1}.amount{font-size:34px;font-weight:700;color:#fff;margin:18px 0}
form{display:flex;gap:12px;margin-top:24px}button{flex:1;border:0;border-radius:10px;padding:14px;font-size:16px;font-weight:600;cursor:pointer}
.ok{background:#ff4d4f;color:#fff}.no{background:#2a2f3a;color:#e8eaed}.status{margin-top:20px;padding:12px;border-radius:10px;background:#222734;text-align:center}
a{color:#ff7a7c}</style></head><body><main>${body}</main></body></html>`;
}

/** The sandbox provider's hosted pay page, the post-payment return page and product media. */
export async function payPages(app: FastifyInstance, opts: { core: CommerceCore }): Promise<void> {
  const { core } = opts;
  const i18n = i18next.createInstance();
  await i18n.init({ resources, fallbackLng: 'zh-CN', supportedLngs: ['zh-CN', 'en'], interpolation: { escapeValue: false } });
  const tFor = (req: FastifyRequest): { t: TFunction; lang: string } => {
    const q = (req.query as { lang?: string }).lang;
    const accept = req.headers['accept-language'] ?? '';
    const lang = q === 'en' || q === 'zh-CN' ? q : /^en/i.test(accept) ? 'en' : 'zh-CN';
    return { t: i18n.getFixedT(lang), lang };
  };
  // HTML forms post urlencoded bodies; the decision is in the URL, the body is ignored.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => {
    done(null, {});
  });

  app.get('/pay/sandbox/:ref', async (req, reply) => {
    const { t, lang } = tFor(req);
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    const p = SandboxParams.safeParse(req.params);
    const entry = p.success ? core.sandbox.entry(p.data.ref) : null;
    if (!entry) {
      reply.code(404);
      return page(lang, t('title'), `<h1>${esc(t('title'))}</h1><p>${esc(t('notFound'))}</p>`);
    }
    const q = lang === 'en' ? '?lang=en' : '';
    const actions =
      entry.status === 'open'
        ? `<form method="post" action="/pay/sandbox/${entry.ref}/decline${q}"><button class="no" type="submit">${esc(t('decline'))}</button></form>
           <form method="post" action="/pay/sandbox/${entry.ref}/approve${q}" style="margin-top:12px"><button class="ok" type="submit">${esc(t('approve'))}</button></form>`
        : `<div class="status">${esc(t(`status_${entry.status}`))}</div><p style="text-align:center"><a href="${esc(entry.returnUrl)}">${esc(t('back'))}</a></p>`;
    return page(
      lang,
      t('title'),
      `<h1>${esc(t('title'))}</h1><p class="sub">${esc(t('subtitle'))}</p>
       <div class="row"><span>${esc(t('item'))}</span><span>${esc(entry.description)}</span></div>
       <div class="row"><span>${esc(t('amount'))}</span></div><div class="amount">${esc(entry.currency)} ${formatMinor(entry.amount, entry.currency)}</div>
       ${actions}`,
    );
  });

  for (const action of ['approve', 'decline'] as const) {
    app.post(`/pay/sandbox/:ref/${action}`, async (req, reply) => {
      const { ref } = parse(SandboxParams, req.params, 'payment');
      await core.sandbox.decide(ref, action === 'approve');
      const lang = (req.query as { lang?: string }).lang === 'en' ? '?lang=en' : '';
      return reply.code(303).header('location', `/pay/sandbox/${ref}${lang}`).send();
    });
  }

  app.get('/pay/return/:orderId', async (req, reply) => {
    const { t, lang } = tFor(req);
    const { orderId } = parse(OrderParams, req.params, 'order id');
    const o = core.store.orders.getOrder(orderId);
    if (o?.showId) return reply.code(303).header('location', `/live/${o.showId}?order=${orderId}`).send();
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return page(
      lang,
      t('title'),
      `<h1>${esc(t('order'))} ${esc(orderId)}</h1><div class="status">${esc(o ? t(`orderStatus_${o.status}`) : t('notFound'))}</div>`,
    );
  });

  app.get('/media/products/:file', async (req, reply) => {
    const p = MediaParams.safeParse(req.params);
    if (!p.success) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such image' } });
    const m = /^(.+)-(large|thumb)\.webp$/.exec(p.data.file)!;
    const path = core.media.file(m[1]!, m[2] as 'large' | 'thumb');
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such image' } });
    return reply
      .header('content-type', 'image/webp')
      .header('content-length', st.size)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(createReadStream(path));
  });
}
