/**
 * The e-commerce vocabulary buyers use: concept groups (synonyms in zh and en, units), product nouns, question words
 * and the intents that must go to a person. Data only; the shop owner extends the concept groups at run time
 * (`extendLexicon`) from the answers settings file.
 *
 * Matching rules (analyze.ts): a Han term of two or more characters matches as a substring of the question, a single
 * Han character only as a whole segmented word, a Latin term as whole words (a trailing plural "s" is ignored).
 */

export interface Lexicon {
  /** concept id → terms. Concepts are what questions ask about and what snippets answer. */
  concepts: Record<string, readonly string[]>;
  /** noun id → terms naming a kind of product; used to tell which product a question is about. */
  nouns: Record<string, readonly string[]>;
}

/** Concepts a shop-wide policy answers; product snippets answer them only for the product they belong to. */
export const POLICY_CONCEPTS = ['shipping', 'returns', 'warranty'] as const;
export type PolicyKind = (typeof POLICY_CONCEPTS)[number];

/** Concepts that say what kind of answer is wanted but not about what (low weight, never enough alone). */
export const WEAK_CONCEPTS = new Set(['duration', 'howmany']);

export const DEFAULT_LEXICON: Lexicon = {
  concepts: {
    size: [
      '尺寸',
      '尺码',
      '码数',
      '大小',
      '多大',
      '多长',
      '多宽',
      '多高',
      '长度',
      '宽度',
      '厘米',
      '公分',
      '码',
      'cm',
      'mm',
      'size',
      'big',
      'long',
      'wide',
      'length',
      'width',
      'dimension',
      'how long is',
      'xl',
      'xxl',
    ],
    capacity: [
      '容量',
      '毫升',
      '能装',
      '装多少',
      '装下',
      '装得下',
      '放得下',
      '能放',
      '可放',
      '多大',
      'ml',
      'capacity',
      'volume',
      'hold',
      'fit',
      'big',
      'how many ml',
    ],
    weight: ['重量', '多重', '多少克', '几克', '克', '斤', '公斤', 'g', 'kg', 'weight', 'heavy', 'gram'],
    material: [
      '材质',
      '材料',
      '成分',
      '面料',
      '料子',
      '什么做的',
      '羊绒',
      '羊毛',
      '美利奴',
      '帆布',
      '陶瓷',
      '纯棉',
      '真皮',
      '涤纶',
      'material',
      'made of',
      'fabric',
      'cashmere',
      'wool',
      'canvas',
      'ceramic',
      'cotton',
      'leather',
    ],
    itch: ['扎人', '扎不扎', '扎脖子', '扎', '亲肤', '刺挠', '痒', '柔软', '舒服', 'itchy', 'itch', 'scratchy', 'soft'],
    shed: ['掉毛', '浮毛', '起球', '掉絮', 'shed', 'shedding', 'pilling', 'lint'],
    wash: ['机洗', '手洗', '干洗', '清洗', '洗', 'wash', 'washing', 'washable', 'machine wash'],
    color: [
      '颜色',
      '色',
      '配色',
      '白色',
      '黑色',
      '绿色',
      '蓝色',
      '红色',
      '驼色',
      '墨绿',
      'color',
      'colour',
      'white',
      'black',
      'green',
      'blue',
      'red',
    ],
    variants: ['款式', '规格', '型号', '几种', '可选', '选择', 'variant', 'option', 'sizes', 'version'],
    price: [
      '多少钱',
      '价格',
      '价钱',
      '几块',
      '多钱',
      '什么价',
      '啥价',
      '售价',
      '直播价',
      '到手价',
      '优惠价',
      '便宜',
      '贵',
      'price',
      'cost',
      'how much',
      'cheap',
      'expensive',
    ],
    sale: ['秒杀', '抢购', '限时', '闪购', '活动价', '倒计时', 'flash sale', 'sale', 'deal', 'time left'],
    stock: [
      '有货',
      '库存',
      '现货',
      '没货',
      '卖完',
      '售罄',
      '断货',
      '还剩几',
      '剩多少',
      '还有吗',
      'stock',
      'in stock',
      'sold out',
      'available',
      'left',
    ],
    limit: ['限购', '能买几', '买几', '最多买', '每人', '一人', '一个人', 'limit', 'how many can i buy', 'per person', 'max'],
    origin: [
      '产地',
      '哪里产',
      '哪产',
      '哪里的',
      '哪儿的',
      '出产',
      '产自',
      '原产',
      '云南',
      '保山',
      '景德镇',
      'origin',
      'where',
      'from',
      'made in',
    ],
    handmade: ['手工', '手作', '手做', '拉坯', 'handmade', 'hand made', 'handcrafted'],
    roast: ['烘焙', '深烘', '浅烘', '中烘', '烘', 'roast', 'roasted'],
    flavor: ['味道', '风味', '口味', '口感', '好喝', '什么味', 'taste', 'flavor', 'flavour'],
    grind: ['磨粉', '研磨', '磨', '打粉', 'grind', 'ground', 'powder'],
    fresh: ['新鲜', 'fresh'],
    dishwasher: ['洗碗机', 'dishwasher'],
    microwave: ['微波炉', '微波', '加热', 'microwave'],
    fragile: ['碎', '摔', '破损', '易碎', '包赔', '磕', 'break', 'broken', 'fragile', 'crack', 'damage'],
    battery: ['续航', '电池', '电量', '能用多久', '用多久', '撑多久', '能用几', '待机', 'battery', 'last'],
    anc: ['降噪', '噪音', '分贝', 'db', 'noise', 'cancelling', 'canceling', 'anc'],
    wireless_charge: ['无线充', 'qi', 'wireless charging', 'wireless charge'],
    bluetooth: ['蓝牙', 'bluetooth'],
    latency: ['延迟', '游戏', 'latency', 'lag', 'gaming', 'game'],
    laptop: ['笔记本', '电脑', 'laptop', 'computer', 'notebook', 'macbook'],
    zipper: ['拉链', '暗袋', '口袋', 'zipper', 'zip', 'pocket'],
    thickness: ['厚', '薄', '厚度', '重磅', 'thick', 'thickness', 'thin'],
    duration: [
      '多久',
      '几天',
      '多长时间',
      '小时',
      '分钟',
      '天',
      '年',
      '周',
      'how long',
      'hours',
      'hour',
      'days',
      'day',
      'minute',
      'year',
      'week',
    ],
    shipping: [
      '发货',
      '快递',
      '物流',
      '包邮',
      '运费',
      '邮费',
      '配送',
      '几天到',
      '多久到',
      '顺丰',
      '寄',
      'ship',
      'shipping',
      'delivery',
      'deliver',
      'postage',
      'courier',
    ],
    returns: ['退换', '退货', '换货', '无理由', '能退', '可以退', '退', '换', 'return', 'exchange', 'return policy'],
    warranty: ['保修', '质保', '保固', '维修', 'warranty', 'guarantee', 'repair'],
    // Asked often and answered by nothing in a catalog: they make a question unanswerable instead of matching a word.
    coupon: ['优惠券', '券', '折扣码', '优惠码', 'coupon', 'discount code', 'voucher', 'promo code'],
    payment: ['支付', '付款', '支付宝', '微信支付', '花呗', 'pay', 'payment', 'paypal', 'credit card'],
    waterproof: ['防水', 'waterproof', 'water resistant'],
    compat: ['安卓', '苹果', '兼容', '两台', '双设备', 'android', 'iphone', 'ios', 'compatible'],
    kids: ['小孩', '儿童', '宝宝', '孩子', 'kid', 'child', 'baby'],
    gift: ['礼盒', '礼物', '送人', 'gift', 'gift box', 'wrap'],
    lid: ['盖子', '杯盖', 'lid'],
    shelf_life: ['保质期', '过期', 'shelf life', 'expiry', 'expire'],
    organic: ['有机', 'organic'],
    safety: ['含铅', '无铅', '安全', 'lead', 'toxic', 'safe'],
  },
  nouns: {
    scarf: ['围巾', '披肩', 'scarf', 'scarves', 'shawl'],
    coffee: ['咖啡', '豆子', '咖啡豆', '豆', 'coffee', 'bean', 'beans'],
    cup: ['马克杯', '杯子', '杯', '陶瓷杯', 'mug', 'cup'],
    earphones: ['耳机', '耳塞', 'earbuds', 'earbud', 'earphones', 'headphones', 'headphone'],
    bag: ['托特包', '托特', '帆布包', '包包', '包', 'tote', 'bag'],
    clothing: ['衣服', '裙子', '裤子', '外套', '上衣', 'shirt', 'dress', 'jacket', 'pants'],
    phone: ['手机', 'iphone', 'phone'],
    // Not products: a question about the streamer or the show is not about the catalog.
    person: ['主播', '你们', '小姐姐', '老板', 'streamer', 'your name', 'host'],
    show: ['开播', '直播时间', '上新', '下一场', 'next show', 'new arrivals'],
  },
};

/** Question words: carry no topic, weigh almost nothing (zh segments and en words). */
export const QUESTION_WORDS = new Set([
  ...'吗 呢 啊 呀 吧 么 嘛 哦 的 了 着 是 有 不 没 会 能 要 也 都 还 就 这 那 个 我 你 他 她 它 和 跟 在 给 用 下 一 几 啥 哪 谁'.split(
    ' ',
  ),
  ...'可以 能不能 可不可以 是不是 有没有 会不会 多少 多久 什么 怎么 怎么样 怎样 如何 为什么 哪里 哪个 这个 那个 这款 那款 一下 请问 亲 亲们 宝 姐妹 一个 支持 现在 还有 效果 还是 到底 一般 大概'.split(
    ' ',
  ),
  ...'a an the is are was were be been to of and or in on for it its this that do does did can could would will i you we my your me with what how which when who why there any some please hi hello yes no not have has got much many ok'.split(
    ' ',
  ),
]);

/** What must go to a person, never to a suggestion: checked in this order. */
export const HUMAN_INTENTS: { route: 'order' | 'refund' | 'complaint' | 'abuse'; terms: readonly string[] }[] = [
  {
    route: 'abuse',
    terms: ['傻逼', '傻b', '傻x', '煞笔', '草泥马', '妈的', '去死', '废物', '滚蛋', 'fuck', 'shit', 'idiot', 'stupid', 'bitch', 'sb'],
  },
  {
    route: 'complaint',
    terms: [
      '投诉',
      '差评',
      '骗子',
      '骗人',
      '假货',
      '垃圾',
      '举报',
      '欺诈',
      '坑人',
      'complain',
      'complaint',
      'scam',
      'fake',
      'fraud',
      'rip off',
      'terrible',
    ],
  },
  { route: 'refund', terms: ['退款', '退钱', '把钱退', '钱退', 'refund', 'money back', 'chargeback'] },
  {
    route: 'order',
    terms: [
      '我的订单',
      '订单号',
      '我买的',
      '上次买',
      '已经买',
      '买了的',
      '还没收到',
      '没收到',
      '物流到哪',
      '快递到哪',
      '查物流',
      '已下单',
      '我下单',
      '拍了',
      '我的快递',
      '我的包裹',
      'my order',
      'order number',
      'my package',
      'tracking',
      "haven't received",
      'not received',
      'where is my',
    ],
  },
];

/** Owner additions: each group is merged into every concept that shares a term with it, or becomes a new concept. */
export function extendLexicon(base: Lexicon, groups: readonly (readonly string[])[]): Lexicon {
  const concepts: Record<string, string[]> = {};
  for (const [id, terms] of Object.entries(base.concepts)) concepts[id] = [...terms];
  groups.forEach((group, i) => {
    const norm = group.map((t) => t.normalize('NFKC').toLowerCase().trim()).filter(Boolean);
    if (!norm.length) return;
    const hits = Object.entries(concepts).filter(([, terms]) => terms.some((t) => norm.includes(t)));
    if (!hits.length) concepts[`owner_${i}`] = norm;
    for (const [id, terms] of hits) concepts[id] = [...new Set([...terms, ...norm])];
  });
  return { concepts, nouns: base.nouns };
}
