/** Runtimes bound to studio data: product card, flash-sale countdown, chat overlay. */
import type { ProductView } from '../../../../shared/commerce/catalog';
import type { FlashSaleView } from '../../../../shared/commerce/sales';
import type { OverlayAnimation, SettingsOf } from '../../../../shared/scene/kinds';
import type { Size } from '../../../../shared/scene/primitives';
import { formatMoney } from '../../../ui/format';
import { CachedCanvas, FONT_STACK, fitText, type SourceFrame, SourceRuntime } from './runtime';

interface CardContent {
  productId: string;
  name: string;
  priceMinor: number;
  listPriceMinor: number | null;
  currency: string;
  imagePath: string | null;
  stock: number | null;
  sale: { endsAt: number; remaining: number } | null;
}

function cardFromCatalog(p: ProductView, sales: readonly FlashSaleView[], now: number): CardContent {
  const active = p.skus.filter((s) => s.active);
  const cheapest = active.reduce<(typeof active)[number] | null>((b, s) => (!b || s.priceMinor < b.priceMinor ? s : b), null);
  const sale = sales.find((s) => s.productId === p.id && s.status === 'active' && s.endsAt > now) ?? null;
  const saleSku = sale ? active.find((s) => s.id === sale.skuId) : undefined;
  const priceMinor = sale ? sale.salePriceMinor : (cheapest?.priceMinor ?? 0);
  const listPriceMinor = (saleSku ?? cheapest)?.listPriceMinor ?? null;
  return {
    productId: p.id,
    name: p.title,
    priceMinor,
    listPriceMinor: listPriceMinor !== null && listPriceMinor > priceMinor ? listPriceMinor : null,
    currency: p.currency,
    imagePath: p.images[0]?.thumbUrl ?? null,
    stock: sale ? sale.remaining : active.reduce((n, s) => n + s.stock, 0),
    sale: sale ? { endsAt: sale.endsAt, remaining: sale.remaining } : null,
  };
}

const THEMES = {
  dark: { bg: 'rgba(18, 20, 28, 0.92)', text: '#ffffff', muted: '#aab0bf', price: '#ff4d6a', accent: '#ff3b5c' },
  light: { bg: 'rgba(255, 255, 255, 0.96)', text: '#12151c', muted: '#6b7180', price: '#e8203f', accent: '#ff3b5c' },
  brand: { bg: 'rgba(255, 59, 92, 0.95)', text: '#ffffff', muted: '#ffe3e8', price: '#ffffff', accent: '#ffd43b' },
} as const;

/** Animation state for an overlay (in on show, out on removal). */
function animate(a: OverlayAnimation, t: number, w: number, h: number): Pick<SourceFrame, 'alpha' | 'dx' | 'dy' | 'scale'> {
  const e = 1 - (1 - Math.max(0, Math.min(1, t))) ** 3;
  switch (a.type) {
    case 'fade':
      return { alpha: e };
    case 'slide_left':
      return { dx: (1 - e) * w * 0.6, alpha: e };
    case 'slide_right':
      return { dx: -(1 - e) * w * 0.6, alpha: e };
    case 'slide_up':
      return { dy: (1 - e) * h, alpha: e };
    case 'slide_down':
      return { dy: -(1 - e) * h, alpha: e };
    case 'pop':
      return { scale: 0.6 + 0.4 * e, alpha: e };
    default:
      return {};
  }
}

function formatClock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export class ProductCardRuntime extends SourceRuntime<SettingsOf<'product_card'>> {
  private readonly raster = new CachedCanvas();
  private readonly images = new Map<string, HTMLImageElement | null>();
  private imageVersion = 0;
  /** What is on screen (kept while animating out) and since when. */
  private shown: CardContent | null = null;
  private shownAt = 0;
  private leavingAt: number | null = null;
  private lastTick = -10;

  size(): Size {
    return { width: 520, height: this.settings.showCountdown ? 168 : 124 };
  }

  private content(): CardContent | null {
    const data = this.env.data();
    const now = Date.now();
    const id = this.settings.productId ?? data.pinned[0]?.product.productId ?? null;
    if (!id) return null;
    const p = data.products.find((x) => x.id === id);
    if (p) return cardFromCatalog(p, data.sales, now);
    const pin = data.pinned.find((x) => x.product.productId === id)?.product;
    if (!pin) return null;
    return {
      productId: pin.productId,
      name: pin.name,
      priceMinor: pin.priceMinor,
      listPriceMinor: pin.listPriceMinor ?? null,
      currency: pin.currency,
      imagePath: pin.imageUrl ?? null,
      stock: null,
      sale: null,
    };
  }

  private image(path: string | null): HTMLImageElement | null {
    if (!path) return null;
    if (this.images.has(path)) return this.images.get(path) ?? null;
    this.images.set(path, null);
    this.env.productImage(path).then(
      (url) => {
        const img = new Image();
        img.onload = () => {
          this.images.set(path, img);
          this.imageVersion++;
        };
        img.src = url;
      },
      () => setTimeout(() => this.images.delete(path), 10_000),
    );
    return null;
  }

  frame(now: number, tick: number): SourceFrame | null {
    const next = this.content();
    const reshow = tick !== this.lastTick && tick !== this.lastTick + 1;
    this.lastTick = tick;
    const { animationIn, animationOut } = this.settings;
    if (next && (!this.shown || this.shown.productId !== next.productId || this.leavingAt !== null || reshow)) {
      if (!this.shown || this.shown.productId !== next.productId || reshow) this.shownAt = now;
      this.leavingAt = null;
    }
    if (next) this.shown = next;
    else if (this.shown && this.leavingAt === null) this.leavingAt = now;
    if (this.leavingAt !== null && (reshow || now - this.leavingAt >= animationOut.durationMs)) {
      this.shown = null;
      this.leavingAt = null;
    }
    const c = this.shown;
    this.shownProductId = c && this.leavingAt === null ? c.productId : null;
    if (!c) return null;

    const { width, height } = this.size();
    const img = this.image(c.imagePath);
    const countdown = c.sale && this.settings.showCountdown ? formatClock(c.sale.endsAt - Date.now()) : '';
    const locale = this.env.data().locale;
    const key = JSON.stringify([
      c,
      countdown,
      this.imageVersion,
      !!img,
      this.settings.theme,
      this.settings.showPrice,
      this.settings.showStock,
      this.settings.showCountdown,
      locale,
    ]);
    const drawable = this.raster.render(key, width, height, (ctx, w, h) => this.paint(ctx, w, h, c, img, countdown, locale));
    const anim =
      this.leavingAt !== null
        ? animate(animationOut, 1 - (now - this.leavingAt) / Math.max(1, animationOut.durationMs), width, height)
        : animate(animationIn, animationIn.durationMs > 0 ? (now - this.shownAt) / animationIn.durationMs : 1, width, height);
    return { drawable, ...anim };
  }

  private paint(
    ctx: CanvasRenderingContext2D,
    w: number,
    h: number,
    c: CardContent,
    img: HTMLImageElement | null,
    countdown: string,
    locale: string,
  ): void {
    const th = THEMES[this.settings.theme];
    const s = this.settings;
    const bodyH = 124;
    ctx.fillStyle = th.bg;
    ctx.beginPath();
    ctx.roundRect(0, 0, w, h, 18);
    ctx.fill();
    ctx.fillStyle = th.accent;
    ctx.beginPath();
    ctx.roundRect(0, 0, 10, h, [18, 0, 0, 18]);
    ctx.fill();
    const pad = 16;
    let left = 10 + pad;
    const side = bodyH - pad * 2;
    if (img?.naturalWidth) {
      const k = Math.max(side / img.naturalWidth, side / img.naturalHeight);
      const sw = side / k;
      const sh = side / k;
      ctx.save();
      ctx.beginPath();
      ctx.roundRect(left, pad, side, side, 12);
      ctx.clip();
      ctx.drawImage(img, (img.naturalWidth - sw) / 2, (img.naturalHeight - sh) / 2, sw, sh, left, pad, side, side);
      ctx.restore();
      left += side + pad;
    }
    const inner = w - left - pad;
    ctx.textBaseline = 'alphabetic';
    ctx.fillStyle = th.text;
    ctx.font = `600 28px ${FONT_STACK}`;
    ctx.fillText(fitText(ctx, c.name, inner), left, pad + 30);
    const base = bodyH - pad - 4;
    if (s.showPrice) {
      ctx.font = `800 38px ${FONT_STACK}`;
      ctx.fillStyle = th.price;
      const price = formatMoney(c.priceMinor, c.currency, locale);
      ctx.fillText(price, left, base);
      let x = left + ctx.measureText(price).width + 14;
      if (c.listPriceMinor !== null) {
        ctx.font = `400 22px ${FONT_STACK}`;
        ctx.fillStyle = th.muted;
        const list = formatMoney(c.listPriceMinor, c.currency, locale);
        const lw = ctx.measureText(list).width;
        if (x + lw <= w - pad) {
          ctx.fillText(list, x, base);
          ctx.fillRect(x, base - 8, lw, 2);
          x += lw + 14;
        }
      }
    }
    if (s.showStock && c.stock !== null) {
      ctx.font = `600 22px ${FONT_STACK}`;
      const soldOut = c.stock <= 0;
      const label = soldOut ? this.env.t('sources.card.soldOut') : this.env.t('sources.card.stock', { count: c.stock });
      ctx.fillStyle = soldOut ? th.price : th.muted;
      ctx.textAlign = 'right';
      ctx.fillText(label, w - pad, pad + 30);
      ctx.textAlign = 'left';
    }
    if (s.showCountdown) {
      ctx.fillStyle = th.accent;
      ctx.beginPath();
      ctx.roundRect(10 + pad, bodyH, w - 10 - pad * 2, h - bodyH - 10, 10);
      ctx.fill();
      ctx.fillStyle = '#ffffff';
      ctx.font = `700 24px ${FONT_STACK}`;
      ctx.textBaseline = 'middle';
      const label = countdown ? this.env.t('sources.card.saleEndsIn', { time: countdown }) : this.env.t('sources.card.buyNow');
      ctx.fillText(fitText(ctx, label, w - 10 - pad * 4), 10 + pad * 2, bodyH + (h - bodyH - 10) / 2);
    }
  }
}

export class FlashCountdownRuntime extends SourceRuntime<SettingsOf<'flash_sale_countdown'>> {
  private readonly raster = new CachedCanvas();

  size(): Size {
    const style = this.settings.style;
    return style === 'banner' ? { width: 960, height: 96 } : style === 'digital' ? { width: 400, height: 140 } : { width: 320, height: 72 };
  }

  private sale(): FlashSaleView | null {
    const now = Date.now();
    const running = this.env.data().sales.filter((s) => s.status === 'active' && s.endsAt > now);
    if (this.settings.skuId) return running.find((s) => s.skuId === this.settings.skuId) ?? null;
    return running.sort((a, b) => a.endsAt - b.endsAt)[0] ?? null;
  }

  frame(): SourceFrame | null {
    const sale = this.sale();
    if (!sale) return null;
    const { width, height } = this.size();
    const clock = formatClock(sale.endsAt - Date.now());
    const label = this.env.t('sources.countdown.label');
    const left = this.env.t('sources.countdown.left', { count: sale.remaining });
    const style = this.settings.style;
    const drawable = this.raster.render(`${style}|${clock}|${label}|${left}`, width, height, (ctx, w, h) => {
      ctx.fillStyle = style === 'digital' ? 'rgba(10, 12, 18, 0.9)' : '#ff3b5c';
      ctx.beginPath();
      ctx.roundRect(0, 0, w, h, style === 'pill' ? h / 2 : 14);
      ctx.fill();
      ctx.fillStyle = '#ffffff';
      ctx.textBaseline = 'middle';
      if (style === 'digital') {
        ctx.textAlign = 'center';
        ctx.font = `600 26px ${FONT_STACK}`;
        ctx.fillText(`${label} · ${left}`, w / 2, 32);
        ctx.fillStyle = '#ffd43b';
        ctx.font = `800 64px ui-monospace, "SF Mono", Menlo, monospace`;
        ctx.fillText(clock, w / 2, 94);
      } else {
        ctx.textAlign = 'left';
        ctx.font = `700 ${Math.round(h * 0.38)}px ${FONT_STACK}`;
        const text = style === 'banner' ? `⚡ ${label}  ${clock}  ·  ${left}` : `⚡ ${clock}`;
        ctx.fillText(fitText(ctx, text, w - h * 0.7), h * 0.35, h / 2);
      }
    });
    return { drawable };
  }
}

export class ChatOverlayRuntime extends SourceRuntime<SettingsOf<'chat_overlay'>> {
  private readonly raster = new CachedCanvas();

  size(): Size {
    const s = this.settings;
    return { width: s.width, height: Math.ceil(s.maxLines * s.fontSize * 1.5 + 24) };
  }

  frame(): SourceFrame | null {
    const s = this.settings;
    const now = Date.now();
    const lines = this.env
      .chat()
      .filter((l) => s.fadeAfterMs === 0 || now - l.ts < s.fadeAfterMs)
      .slice(-s.maxLines);
    if (lines.length === 0) return null;
    const { width, height } = this.size();
    // fade state quantised to 10 steps so the raster is not redrawn every frame
    const fades = lines.map((l) => (s.fadeAfterMs === 0 ? 10 : Math.ceil(Math.min(1, (s.fadeAfterMs - (now - l.ts)) / 1000) * 10)));
    const key = JSON.stringify([lines.map((l) => l.id), fades, s]);
    const drawable = this.raster.render(key, width, height, (ctx, w, h) => {
      const lh = s.fontSize * 1.5;
      ctx.textBaseline = 'middle';
      let y = h - 12 - lh * lines.length;
      lines.forEach((l, i) => {
        ctx.globalAlpha = (fades[i] ?? 10) / 10;
        ctx.font = `700 ${s.fontSize}px ${FONT_STACK}`;
        const name = `${l.name}:`;
        const nw = ctx.measureText(name).width;
        ctx.font = `500 ${s.fontSize}px ${FONT_STACK}`;
        const text = fitText(ctx, l.text, w - 36 - nw - s.fontSize * 0.4);
        const tw = ctx.measureText(text).width;
        ctx.fillStyle = 'rgba(10, 12, 18, 0.6)';
        ctx.beginPath();
        ctx.roundRect(8, y + 2, Math.min(w - 16, nw + tw + 24 + s.fontSize * 0.4), lh - 4, (lh - 4) / 2);
        ctx.fill();
        ctx.font = `700 ${s.fontSize}px ${FONT_STACK}`;
        ctx.fillStyle = '#ffd43b';
        ctx.fillText(name, 20, y + lh / 2);
        ctx.font = `500 ${s.fontSize}px ${FONT_STACK}`;
        ctx.fillStyle = '#ffffff';
        ctx.fillText(text, 20 + nw + s.fontSize * 0.4, y + lh / 2);
        y += lh;
      });
      ctx.globalAlpha = 1;
    });
    return { drawable };
  }
}
