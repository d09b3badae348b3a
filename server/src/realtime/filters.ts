/**
 * The room's content filters (blocked words, links and contact details), persisted in the realtime store and
 * replaced as a whole by `filter.set`. Buyers' texts pass every filter; staff may post links; staff answers and
 * announcements skip the word list; an automatic reply never skips anything (the room speaks for the shop).
 */
import type { FilterSettings } from '../../../shared/protocol/realtime';
import { type ContentResult, checkContent } from '../../../shared/realtime/filter';
import { type CompiledLinkFilter, compileLinkFilter, DEFAULT_LINK_SETTINGS } from '../../../shared/realtime/link-filter';
import { type CompiledWordList, compileWords, DEFAULT_BLOCKED_WORDS } from '../../../shared/realtime/word-filter';
import type { RealtimeStore } from './store';

const NO_WORDS = compileWords([]);

export class ContentFilters {
  private current: FilterSettings = { words: [...DEFAULT_BLOCKED_WORDS], links: DEFAULT_LINK_SETTINGS };
  private words: CompiledWordList = compileWords(this.current.words);
  private links: CompiledLinkFilter = compileLinkFilter(this.current.links);

  constructor(private readonly store: RealtimeStore) {}

  /** The stored settings (the defaults until some are stored). */
  async load(): Promise<void> {
    const stored = await this.store.filterSettings();
    if (!stored) return;
    this.words = compileWords(stored.words);
    this.links = compileLinkFilter(stored.links);
    this.current = stored;
  }

  get settings(): FilterSettings {
    return this.current;
  }

  /** Replace the settings (compiled first, so a bad list changes nothing); returns the words added and removed. */
  async set(s: FilterSettings): Promise<{ added: string[]; removed: string[] }> {
    const words = compileWords(s.words);
    const links = compileLinkFilter(s.links);
    await this.store.setFilterSettings(s);
    const before = this.current;
    this.current = s;
    this.words = words;
    this.links = links;
    return { added: s.words.filter((w) => !before.words.includes(w)), removed: before.words.filter((w) => !s.words.includes(w)) };
  }

  /** A buyer's (or, with `skipLinks`, a staff member's) chat message or question. */
  check(raw: string, maxChars: number, skipLinks: boolean): ContentResult {
    return checkContent(raw, { maxChars, words: this.words, links: this.links, skipLinks });
  }

  /** A staff answer or announcement: no word list, links allowed. */
  checkStaff(raw: string, maxChars: number): ContentResult {
    return checkContent(raw, { maxChars, words: NO_WORDS, links: this.links, skipLinks: true });
  }

  /** Checked like a chat message (length 20, words, links); null when it may not be used. */
  acceptableNickname(nickname: string): string | null {
    const r = checkContent(nickname, { maxChars: 20, words: this.words, links: this.links });
    return r.ok ? r.text : null;
  }

  /** An automatic reply's text through every filter; null = refuse to send it. */
  autoReplyText(text: string): string | null {
    const r = checkContent(text, { maxChars: 1000, words: this.words, links: this.links });
    return r.ok ? r.text : null;
  }
}
