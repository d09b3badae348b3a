/**
 * Questions that must reach a person (complaints, refunds, an existing order, abuse) and text that tries to make the
 * room say something (markup, links, instructions): no suggestion is offered for them and nothing is sent
 * automatically.
 */
import { normalize } from './analyze';
import { HUMAN_INTENTS } from './lexicon';

export type Route = 'order' | 'refund' | 'complaint' | 'abuse' | 'unsafe';

const UNSAFE = [
  /<\s*\/?\s*[a-z!][^>]*>/i,
  /\b(?:https?:\/\/|www\.)\S+/i,
  /\b[a-z0-9-]+\.(?:com|cn|net|org|io|xyz|top|cc|me|ly)\b/i,
  /\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instruction|previous|above|rule|prompt)s?\b/i,
  /\b(?:say|repeat|announce|tell everyone|post)\b.{0,30}\b(?:free|that|after me)\b/i,
  /忽略.{0,10}(?:指令|规则|上面|之前|以上)|你现在是|假装你|扮演|重复我的话|跟我说|帮我说|替我说/u,
];

export function humanRoute(question: string): Route | null {
  if (UNSAFE.some((re) => re.test(question))) return 'unsafe';
  const s = normalize(question);
  for (const intent of HUMAN_INTENTS) {
    for (const t of intent.terms) {
      const hit = /\p{Script=Han}/u.test(t)
        ? s.includes(t)
        : new RegExp(`(?<![a-z0-9])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`, 'u').test(s);
      if (hit) return intent.route;
    }
  }
  return null;
}
