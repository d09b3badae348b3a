import { useEffect, useLayoutEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { ReplayChapter } from '../../../shared/replay/manifest';
import { formatElapsed } from '../../ui/format';
import { ProductCards } from '../components/ProductCards';
import { ShopButtons, ShopSheets, ShopToast } from '../components/ShopDock';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useViewerContext } from '../context';
import { formatMoney } from '../format';
import { livePath } from '../route';
import type { ReplayController } from './controller';
import { selectChapters, selectCurrentChapter, type ReplayStore } from './store';
import './replay.css';

/** `/replay/<showId>`: the recording with its chapters (products explained), the cards of the moment and Buy. */
export function ReplayApp({ replay, controller }: { replay: ReplayStore; controller: ReplayController | null }) {
  const { t } = useTranslation();
  const status = useStore(replay, (s) => s.status);
  const show = useStore(replay, (s) => s.manifest?.show ?? null);
  const { store } = useViewerContext();
  const liveShowId = useStore(store, (s) => s.showId);

  useEffect(() => {
    document.title = show ? `${show.title} · ${t('replay.title')}` : t('replay.title');
  }, [show, t]);

  return (
    <div className="replay" data-testid="replay" data-status={status}>
      <header className="replay-head">
        <span className="replay-badge">{t('replay.badge')}</span>
        <h1 className="replay-title">{show?.title ?? t('replay.title')}</h1>
        <div className="replay-tools">
          <ShopButtons />
          <LanguageSwitch />
        </div>
      </header>
      {status === 'ready' && controller ? (
        <>
          <ReplayVideo />
          <div className="replay-cards">
            <ShopToast />
            <ProductCards />
          </div>
          <Chapters replay={replay} controller={controller} />
        </>
      ) : (
        <ReplayState status={status} liveShowId={liveShowId} />
      )}
      <ShopSheets />
    </div>
  );
}

/** The page's one <video> (created by main.tsx), adopted here. */
function ReplayVideo() {
  const { video } = useViewerContext();
  const box = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    box.current?.append(video);
  }, [video]);
  return <div className="replay-video" ref={box} />;
}

function Chapters({ replay, controller }: { replay: ReplayStore; controller: ReplayController }) {
  const { t, i18n } = useTranslation();
  const chapters = useStore(replay, selectChapters);
  const current = useStore(replay, selectCurrentChapter);
  return (
    <section className="replay-chapters" aria-labelledby="replay-chapters-title">
      <h2 id="replay-chapters-title">{t('replay.chapters')}</h2>
      {chapters.length === 0 ? (
        <p className="replay-empty">{t('replay.chaptersEmpty')}</p>
      ) : (
        <ol>
          {chapters.map((c: ReplayChapter) => {
            const time = formatElapsed(c.start * 1000);
            return (
              <li key={c.clipId}>
                <button
                  type="button"
                  className="replay-chapter"
                  aria-current={current?.clipId === c.clipId ? 'true' : undefined}
                  aria-label={t('replay.chapterAt', { name: c.name, time })}
                  data-testid={`chapter-${c.clipId}`}
                  data-product-id={c.productId}
                  onClick={() => controller.seek(c)}
                >
                  <time className="replay-chapter-time">{time}</time>
                  <span className="replay-chapter-name">{c.name}</span>
                  <span className="replay-chapter-price">{formatMoney(c.priceMinor, c.currency, i18n.language)}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function ReplayState({ status, liveShowId }: { status: string; liveShowId: string | null }) {
  const { t } = useTranslation();
  let title: string;
  let body: string | null = null;
  switch (status) {
    case 'loading':
      title = t('replay.loading');
      break;
    case 'notFound':
      title = t('replay.notFound.title');
      body = t('replay.notFound.body');
      break;
    case 'invalidId':
      title = t('replay.invalid');
      break;
    case 'notEnded':
      title = t('replay.notEnded.title');
      body = t('replay.notEnded.body');
      break;
    default:
      title = t('replay.error.title');
      body = t('replay.error.body');
  }
  return (
    <section className="replay-state" data-testid={`replay-${status}`} aria-live="polite">
      <h2>{title}</h2>
      {body && <p>{body}</p>}
      {status === 'notEnded' && liveShowId && (
        <a className="replay-live-link" href={livePath(liveShowId)}>
          {t('replay.notEnded.watchLive')}
        </a>
      )}
    </section>
  );
}
