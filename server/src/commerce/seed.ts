/**
 * Demo catalog seeded once on first run (no products yet), so a fresh `npm start` shows a working shop.
 * Product photos are drawn as SVG and rasterised by sharp — nothing is downloaded.
 */
import type { ProductCreate } from '../../../shared/commerce/catalog';
import type { CatalogService } from './domain/catalog';
import type { Logger } from './domain/events';
import type { CommerceStore } from './store/types';

const SEEDED_KEY = 'demo_catalog_seeded';

function frame(bg: [string, string], body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1200" viewBox="0 0 1200 1200">
  <defs>
    <radialGradient id="bg" cx="50%" cy="38%" r="75%"><stop offset="0" stop-color="${bg[0]}"/><stop offset="1" stop-color="${bg[1]}"/></radialGradient>
    <filter id="soft" x="-30%" y="-30%" width="160%" height="160%"><feGaussianBlur stdDeviation="28"/></filter>
    <linearGradient id="sheen" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff" stop-opacity=".35"/><stop offset=".5" stop-color="#fff" stop-opacity="0"/></linearGradient>
  </defs>
  <rect width="1200" height="1200" fill="url(#bg)"/>
  <ellipse cx="600" cy="1010" rx="380" ry="46" fill="#000" opacity=".28" filter="url(#soft)"/>
  ${body}
</svg>`;
}

function scarf(main: string, stripe: string): string {
  const fringe = Array.from({ length: 14 }, (_, i) => {
    const x = 318 + i * 20;
    return `<rect x="${x}" y="930" width="7" height="70" rx="3.5" fill="${main}"/>`;
  }).join('');
  return frame(
    ['#f4efe8', '#d9cfc2'],
    `<path d="M300 260 Q600 170 900 260 L880 560 Q600 480 320 560 Z" fill="${main}"/>
     <path d="M320 560 Q600 480 880 560 L860 700 Q600 620 340 700 Z" fill="${main}" opacity=".88"/>
     <path d="M310 560 L300 930 L600 930 L610 600 Q460 540 310 560 Z" fill="${main}"/>
     ${[0, 1, 2].map((k) => `<path d="M${304 + k * 2} ${700 + k * 70} L${606 - k * 2} ${700 + k * 70}" stroke="${stripe}" stroke-width="16" opacity=".8"/>`).join('')}
     <path d="M300 260 Q600 170 900 260 L880 560 Q600 480 320 560 Z" fill="url(#sheen)"/>
     ${fringe}`,
  );
}

function coffee(): string {
  const beans = Array.from({ length: 7 }, (_, i) => {
    const x = 330 + i * 90 + (i % 2) * 20;
    const y = 950 + (i % 3) * 18;
    return `<g transform="translate(${x} ${y}) rotate(${i * 37})"><ellipse rx="34" ry="24" fill="#4a2c1a"/><path d="M-26 0 Q0 -8 26 0" stroke="#2b170c" stroke-width="5" fill="none"/></g>`;
  }).join('');
  return frame(
    ['#fbf3e4', '#e3cfae'],
    `<path d="M390 250 L810 250 L850 900 Q600 940 350 900 Z" fill="#2f3a2f"/>
     <rect x="390" y="220" width="420" height="50" rx="10" fill="#243024"/>
     <path d="M390 250 L810 250 L850 900 Q600 940 350 900 Z" fill="url(#sheen)"/>
     <rect x="440" y="430" width="320" height="300" rx="18" fill="#f3e6cc"/>
     <circle cx="600" cy="520" r="54" fill="none" stroke="#b5562d" stroke-width="10"/>
     <path d="M572 520 Q600 470 628 520 Q600 570 572 520" fill="#b5562d"/>
     <rect x="490" y="600" width="220" height="18" rx="9" fill="#2f3a2f"/>
     <rect x="520" y="640" width="160" height="14" rx="7" fill="#8a7a5c"/>
     <rect x="540" y="675" width="120" height="12" rx="6" fill="#8a7a5c"/>
     ${beans}`,
  );
}

function mug(body: string, inner: string): string {
  return frame(
    ['#eef2f5', '#c9d3db'],
    `<path d="M540 230 Q500 180 550 130 M620 230 Q580 170 630 120 M700 230 Q660 180 710 130" stroke="#fff" stroke-width="14" fill="none" stroke-linecap="round" opacity=".75"/>
     <path d="M800 430 Q960 430 960 600 Q960 770 790 770" stroke="${body}" stroke-width="58" fill="none"/>
     <path d="M370 330 L830 330 L800 900 Q600 960 400 900 Z" fill="${body}"/>
     <ellipse cx="600" cy="330" rx="230" ry="52" fill="${inner}"/>
     <ellipse cx="600" cy="340" rx="200" ry="36" fill="#5b3a22"/>
     <path d="M370 330 L830 330 L800 900 Q600 960 400 900 Z" fill="url(#sheen)"/>`,
  );
}

function earbuds(shell: string, accent: string): string {
  const bud = (x: number, flip: number) =>
    `<g transform="translate(${x} 330) scale(${flip} 1)"><ellipse cx="0" cy="0" rx="70" ry="80" fill="${shell}"/><rect x="-22" y="40" width="44" height="190" rx="22" fill="${shell}"/><ellipse cx="-30" cy="-10" rx="26" ry="30" fill="${accent}"/></g>`;
  return frame(
    ['#20242c', '#0b0d12'],
    `<rect x="340" y="560" width="520" height="380" rx="150" fill="${shell}"/>
     <rect x="340" y="560" width="520" height="140" rx="70" fill="#000" opacity=".12"/>
     <line x1="360" y1="700" x2="840" y2="700" stroke="#000" stroke-opacity=".35" stroke-width="6"/>
     <circle cx="600" cy="830" r="10" fill="#39d98a"/>
     <rect x="340" y="560" width="520" height="380" rx="150" fill="url(#sheen)"/>
     ${bud(470, 1)}${bud(730, -1)}`,
  );
}

function tote(): string {
  return frame(
    ['#f5f1e6', '#ddd3bd'],
    `<path d="M470 420 Q470 200 600 200 Q730 200 730 420" stroke="#c8b58e" stroke-width="34" fill="none"/>
     <path d="M360 400 L840 400 L880 960 L320 960 Z" fill="#e9dcc0"/>
     <path d="M360 400 L840 400 L880 960 L320 960 Z" fill="url(#sheen)"/>
     <rect x="360" y="400" width="480" height="50" fill="#c8b58e" opacity=".55"/>
     <text x="600" y="700" text-anchor="middle" font-family="sans-serif" font-size="86" font-weight="700" fill="#3b4a3f">LIVE</text>
     <text x="600" y="790" text-anchor="middle" font-family="sans-serif" font-size="44" letter-spacing="14" fill="#3b4a3f">STORECAST</text>`,
  );
}

interface DemoProduct {
  product: ProductCreate;
  images: string[];
}

function demoProducts(): DemoProduct[] {
  return [
    {
      product: {
        title: '羊绒混纺围巾',
        description: '70% 羊绒 30% 美利奴羊毛，180×30 cm，亲肤不扎。直播间专享价，三色可选。',
        currency: 'CNY',
        faq: [
          { q: '会掉毛吗？', a: '前两次佩戴有少量浮毛属正常，之后基本不掉。' },
          { q: '可以机洗吗？', a: '建议手洗或干洗，平铺晾干。' },
        ],
        attributes: [{ name: '颜色', values: ['驼色', '燕麦白', '墨绿'] }],
        defaults: { listPriceMinor: 39900, livePriceMinor: 29900, stock: 40 },
        perBuyerLimit: 3,
      },
      images: [scarf('#b08a5b', '#8a6a42'), scarf('#ece3d3', '#cdbfa6'), scarf('#2f5145', '#213a31')],
    },
    {
      product: {
        title: '云南日晒 · 手冲咖啡豆',
        description: '保山小粒咖啡，浅中烘焙，莓果与红糖风味。每周新鲜烘焙后发货。',
        currency: 'CNY',
        faq: [{ q: '可以帮忙磨粉吗？', a: '可以，下单后在备注里留言研磨度即可。' }],
        attributes: [{ name: '规格', values: ['250g', '500g'] }],
        skus: [
          { options: { 规格: '250g' }, listPriceMinor: 6800, livePriceMinor: 5900, stock: 120 },
          { options: { 规格: '500g' }, listPriceMinor: 12800, livePriceMinor: 10900, stock: 60 },
        ],
        perBuyerLimit: null,
      },
      images: [coffee()],
    },
    {
      product: {
        title: '手作陶瓷马克杯 350ml',
        description: '景德镇手工拉坯，釉色每只略有不同。可进洗碗机和微波炉。',
        currency: 'CNY',
        faq: [{ q: '运输会碎吗？', a: '每只杯子独立气柱包装，运输破损包赔。' }],
        attributes: [{ name: '颜色', values: ['雾蓝', '奶白'] }],
        defaults: { listPriceMinor: 3900, livePriceMinor: 2900, stock: 80 },
        perBuyerLimit: null,
      },
      images: [mug('#7f9bb3', '#9fb6c9'), mug('#efe8dc', '#f8f4ee')],
    },
    {
      product: {
        title: '真无线主动降噪耳机',
        description: '-42dB 主动降噪，单次续航 8 小时，配合充电盒 32 小时。蓝牙 5.3，低延迟游戏模式。',
        currency: 'CNY',
        faq: [
          { q: '支持无线充电吗？', a: '支持 Qi 无线充电。' },
          { q: '保修多久？', a: '整机一年保修，30 天无理由退换。' },
        ],
        attributes: [{ name: '颜色', values: ['曜石黑', '珍珠白'] }],
        defaults: { listPriceMinor: 49900, livePriceMinor: 39900, stock: 25 },
        perBuyerLimit: 2,
      },
      images: [earbuds('#2b2f36', '#4a5160'), earbuds('#f2f2ee', '#d9d9d2')],
    },
    {
      product: {
        title: '加厚帆布托特包',
        description: '16 安重磅帆布，内置拉链暗袋，可放 14 寸笔记本。',
        currency: 'CNY',
        faq: [],
        attributes: [],
        defaults: { listPriceMinor: 8900, livePriceMinor: 6900, stock: 150 },
        perBuyerLimit: null,
      },
      images: [tote()],
    },
  ];
}

/** Seed the demo catalog unless products exist or it was seeded before. Returns the number of products created. */
export async function seedDemoCatalog(store: CommerceStore, catalog: CatalogService, log: Logger): Promise<number> {
  if ((await store.catalog.getMeta(SEEDED_KEY)) || (await store.catalog.countProducts()) > 0) return 0;
  let n = 0;
  for (const d of demoProducts()) {
    const p = await catalog.create(d.product);
    for (const svg of d.images) await catalog.addImage(p.id, Buffer.from(svg));
    n++;
  }
  await store.catalog.setMeta(SEEDED_KEY, String(Date.now()));
  log.info({ products: n }, 'seeded demo catalog');
  return n;
}
