import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import i18next, { type TFunction } from 'i18next';
import { z } from 'zod';
import { OrderId } from '../../../../shared/commerce/common';
import { formatMinor } from '../domain/csv';
import type { CommerceCore } from '../core';
import { notFound, parse } from '../errors';

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
      back: '返回订单',
      notFound: '找不到这笔支付。',
      order: '订单',
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
      back: 'Back to your order',
      notFound: 'No such payment.',
      order: 'Order',
    },
  },
};

const SandboxParams = z.object({ ref: z.string().regex(/^sbx_[A-Za-z0-9_-]{6,40}$/) });
const OrderParams = z.object({ orderId: OrderId });
const MediaParams = z.object({ file: z.string().regex(/^(img_[A-Za-z0-9_-]{6,40})-(large|thumb)\.webp$/) });

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(lang: string, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>${esc(title)}</title><style>
:root{color-scheme:dark;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:radial-gradient(60% 50% at 20% 10%,#ff2d551f,transparent 70%),radial-gradient(50% 40% at 85% 90%,#7850ff1f,transparent 70%),#07070b;color:#f4f4f7}
main{width:min(420px,calc(100vw - 32px));box-sizing:border-box;background:#16161e;border:1px solid #ffffff1a;border-radius:20px;padding:24px;box-shadow:0 30px 80px #0009}
.brand{display:flex;align-items:center;gap:8px;font-size:12px;font-weight:700;color:#ffb020;letter-spacing:.04em;margin-bottom:14px}
.brand::before{content:"";width:8px;height:8px;border-radius:50%;background:#ffb020}
h1{font-size:20px;margin:0 0 6px}p.sub{color:#a4a4b3;font-size:13px;line-height:1.5;margin:0 0 20px}
.row{display:flex;justify-content:space-between;gap:16px;margin:10px 0;color:#a4a4b3;font-size:14px}.row span:last-child{color:#f4f4f7;text-align:right}
.amount{font-size:36px;font-weight:800;color:#ff5a3c;margin:6px 0 18px;font-variant-numeric:tabular-nums}
form{display:flex;margin:0}button,.btn{flex:1;display:block;box-sizing:border-box;border:0;border-radius:999px;padding:15px;font:inherit;font-size:16px;font-weight:800;cursor:pointer;text-align:center;text-decoration:none}
.ok{background:linear-gradient(135deg,#ff2d55,#ff6a3d);color:#fff}.no{background:#ffffff1f;color:#e6e6ee}
.actions{display:flex;flex-direction:column;gap:10px;margin-top:22px}
.status{margin-top:20px;padding:14px;border-radius:12px;background:#ffffff0f;text-align:center;font-weight:700}
.status.succeeded{color:#7ee0a1;background:#7ee0a114}.status.failed{color:#ffb020;background:#ffb02014}
a.btn{margin-top:12px;background:#fff;color:#111}</style></head><body><main>${body}</main></body></html>`;
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
    // The sandbox switched off has no pay page at all: its old links look like unknown payments.
    const entry = p.success && core.sandbox ? await core.sandbox.entry(p.data.ref) : null;
    if (!entry) {
      reply.code(404);
      return page(lang, t('title'), `<h1>${esc(t('title'))}</h1><p>${esc(t('notFound'))}</p>`);
    }
    const q = lang === 'en' ? '?lang=en' : '';
    const actions =
      entry.status === 'open'
        ? `<div class="actions"><form method="post" action="/pay/sandbox/${entry.ref}/approve${q}"><button class="ok" type="submit" data-testid="sandbox-approve">${esc(t('approve'))}</button></form>
           <form method="post" action="/pay/sandbox/${entry.ref}/decline${q}"><button class="no" type="submit" data-testid="sandbox-decline">${esc(t('decline'))}</button></form></div>`
        : `<div class="status ${esc(entry.status)}" data-testid="sandbox-status">${esc(t(`status_${entry.status}`))}</div><a class="btn" data-testid="sandbox-return" href="${esc(entry.returnUrl)}${q}">${esc(t('back'))}</a>`;
    return page(
      lang,
      t('title'),
      `<div class="brand">SANDBOX</div><h1>${esc(t('title'))}</h1><p class="sub">${esc(t('subtitle'))}</p>
       <div class="row"><span>${esc(t('item'))}</span><span>${esc(entry.description)}</span></div>
       <div class="row"><span>${esc(t('amount'))}</span></div><div class="amount">${esc(entry.currency)} ${formatMinor(entry.amount, entry.currency)}</div>
       ${actions}`,
    );
  });

  for (const action of ['approve', 'decline'] as const) {
    app.post(`/pay/sandbox/:ref/${action}`, async (req, reply) => {
      const { ref } = parse(SandboxParams, req.params, 'payment');
      if (!core.sandbox) throw notFound('payment');
      await core.sandbox.decide(ref, action === 'approve');
      const lang = (req.query as { lang?: string }).lang === 'en' ? '?lang=en' : '';
      return reply.code(303).header('location', `/pay/sandbox/${ref}${lang}`).send();
    });
  }

  app.get('/pay/return/:orderId', async (req, reply) => {
    const { t, lang } = tFor(req);
    const { orderId } = parse(OrderParams, req.params, 'order id');
    const o = await core.store.orders.getOrder(orderId);
    // Back to the viewer's order page (served with the viewer bundle), which links back to the show.
    if (o) {
      const query = new URLSearchParams();
      if (o.showId) query.set('showId', o.showId);
      const q = (req.query as { lang?: string }).lang;
      if (q === 'en' || q === 'zh-CN') query.set('lang', q);
      const qs = query.toString();
      return reply
        .code(303)
        .header('location', `/orders/${encodeURIComponent(orderId)}${qs ? `?${qs}` : ''}`)
        .send();
    }
    reply.code(404).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return page(lang, t('title'), `<h1>${esc(t('order'))} ${esc(orderId)}</h1><div class="status">${esc(t('notFound'))}</div>`);
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
