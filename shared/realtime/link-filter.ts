/**
 * Link filter: URLs, bare domains (also "example。com", "example dot com"), `wx:`/`vx`/`qq:`/微信/加v contact spam and
 * mainland mobile numbers; configurable.
 */
import { z } from 'zod';
import { INVISIBLE } from './text-keys';

export const LinkFilterSettings = z.object({
  /** Block URLs and bare domains. */
  blockLinks: z.boolean(),
  /** Block contact-exchange spam (wx:/vx/微信/QQ/加v …, phone numbers). */
  blockContacts: z.boolean(),
  /** Domains that may be posted (exact or parent domain, e.g. "storecast.example"). */
  allowDomains: z.array(z.string().trim().toLowerCase().min(3).max(100)).max(100),
  /** Top-level domains recognised in bare domains ("shop" in "buy.shop"). */
  tlds: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z]{2,12}$/),
    )
    .max(300),
});
export type LinkFilterSettings = z.infer<typeof LinkFilterSettings>;

export const DEFAULT_LINK_SETTINGS: LinkFilterSettings = {
  blockLinks: true,
  blockContacts: true,
  allowDomains: [],
  tlds: [
    'com',
    'cn',
    'net',
    'org',
    'io',
    'co',
    'me',
    'cc',
    'tv',
    'xyz',
    'top',
    'vip',
    'shop',
    'store',
    'app',
    'info',
    'link',
    'club',
    'site',
    'online',
    'live',
    'fun',
    'ly',
    'gg',
    'hk',
    'tw',
    'us',
    'uk',
    'de',
    'ru',
    'jp',
    'kr',
    'biz',
    'asia',
    'wang',
    'ink',
    'work',
    'icu',
    'cyou',
  ],
};

const URL_SCHEME = /\b(?:https?|ftp|wss?)\s*[:：]\s*[/／]{2}|\bwww\s*[.。．]/iu;
/**
 * Separators people use inside domains to dodge filters: ".", "。", "·", "点", "(dot)", " dot ". A plain "." takes no
 * surrounding spaces, so ordinary sentences ("Great. Me too") are not mistaken for domains.
 */
const DOT = String.raw`(?:\.|\s*[。·・]\s*|\s*[(\[（【]\s*(?:dot|点)\s*[)\]）】]\s*|\s+dot\s+|点)`;
const CONTACT = [
  /(?:^|[^a-z])(?:wx|vx|wechat|weixin|v信|威信|薇信|微信|qq|扣扣|企鹅|tg|telegram|whatsapp|line)\s*(?:号|id)?\s*[:：=]/iu,
  /加\s*(?:我\s*)?(?:v|w|微|vx|wx|q|扣|薇|威)/iu,
  /(?:微信|v信|薇信|威信|qq|扣扣)\s*(?:号|群|联系|私聊)/iu,
  /(?:^|[^\d])(?:\+?86[\s-]?)?1[3-9](?:[\s-]?\d){9}(?!\d)/u,
];

export interface CompiledLinkFilter {
  readonly settings: LinkFilterSettings;
  readonly domain: RegExp | null;
}

export function compileLinkFilter(settings: LinkFilterSettings): CompiledLinkFilter {
  const tlds = [...new Set(settings.tlds)].sort((a, b) => b.length - a.length);
  const domain = tlds.length
    ? new RegExp(`([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:${DOT}[a-z0-9-]{1,63})*)${DOT}(${tlds.join('|')})(?![a-z0-9])`, 'giu')
    : null;
  return { settings, domain };
}

function allowed(host: string, allow: readonly string[]): boolean {
  return allow.some((d) => host === d || host.endsWith(`.${d}`));
}

/** 'LINK' when the text carries a URL/domain/contact the settings block, else null. */
export function findLink(text: string, filter: CompiledLinkFilter): 'url' | 'domain' | 'contact' | null {
  const s = text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '');
  const { settings } = filter;
  if (settings.blockContacts && CONTACT.some((re) => re.test(s))) return 'contact';
  if (!settings.blockLinks) return null;
  if (URL_SCHEME.test(s) && !settings.allowDomains.length) return 'url';
  if (filter.domain) {
    filter.domain.lastIndex = 0;
    for (let m = filter.domain.exec(s); m; m = filter.domain.exec(s)) {
      const host = `${m[1]!.replace(new RegExp(DOT, 'giu'), '.')}.${m[2]}`;
      if (!allowed(host, settings.allowDomains)) return 'domain';
    }
  }
  if (URL_SCHEME.test(s)) {
    // A scheme with only allowed domains passes; one without any recognisable host does not.
    const hosts = s.match(/(?:https?|ftp|wss?):\/\/([^\s/?#]+)/giu) ?? [];
    if (!hosts.length) return 'url';
    for (const h of hosts) {
      const host = h.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '');
      if (!allowed(host, settings.allowDomains)) return 'url';
    }
  }
  return null;
}
