import { type CSSProperties, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { selectScreen } from '../selectors';
import { EngagementCards } from './EngagementCards';
import { ProductCards } from './ProductCards';
import { AnnouncementBanner, AnswerCards } from './Answers';
import { ChatBar, ChatPanel } from './Chat';
import { Danmaku } from './Danmaku';
import { InteractionSheets } from './InteractionSheets';
import { ShopDock, ShopSheets, ShopToast } from './ShopDock';
import { PlaybackControls } from './PlaybackControls';
import { EndedScreen, ErrorScreen, LoadingScreen, NotFoundScreen, ReadyScreen, ReconnectingOverlay } from './StateScreens';
import { TopBar } from './TopBar';
import { VideoSurface } from './VideoSurface';

export function App() {
  const { t } = useTranslation();
  const screen = useViewer(selectScreen);
  const title = useViewer((s) => s.show?.title ?? null);
  // The playing picture's aspect ratio: the desktop stage is sized to it (styles.css). A rejoin's new consumer has no
  // size until its first frame; the page keeps the last picture's shape meanwhile instead of jumping to portrait.
  const playing = useViewer((s) => (s.videoSize?.height ? s.videoSize.width / s.videoSize.height : null));
  const lastAspect = useRef<number | null>(null);
  if (playing !== null) lastAspect.current = playing;
  const aspect = playing ?? lastAspect.current;
  const portrait = aspect === null || aspect <= 1;
  const hasVideo = useViewer((s) => s.video !== null);
  const { interaction } = useViewerContext();

  useEffect(() => {
    document.title = title ? `${title} · ${t('app.name')}` : t('app.name');
  }, [title, t]);

  // The video stays mounted through loading / reconnecting so recovery does not reload the element.
  const withVideo = screen === 'live' || screen === 'reconnecting' || screen === 'loading';
  const withProducts = screen === 'live' || screen === 'reconnecting' || screen === 'ready';
  // Chat while the show is on (or about to start); the first join's spinner screen stays clean.
  const withChat = interaction !== null && withProducts;

  return (
    <div
      className="viewer"
      data-screen={screen}
      data-orientation={portrait ? 'portrait' : 'landscape'}
      style={aspect ? ({ '--ar': aspect.toFixed(4) } as CSSProperties) : undefined}
    >
      <main className="stage">
        <VideoSurface hidden={!withVideo} />
        {screen === 'loading' && <LoadingScreen overVideo={hasVideo} />}
        {screen === 'reconnecting' && <ReconnectingOverlay />}
        {screen === 'ready' && <ReadyScreen />}
        {screen === 'ended' && <EndedScreen />}
        {screen === 'notFound' && <NotFoundScreen />}
        {screen === 'error' && <ErrorScreen />}
        {withChat && <Danmaku />}
        <TopBar />
        {(screen === 'live' || screen === 'reconnecting') && <PlaybackControls />}
        {(screen === 'live' || screen === 'reconnecting') && <EngagementCards />}
        {withChat && <AnnouncementBanner />}
        {withChat ? (
          <div className="dock dock--with-chat">
            <AnswerCards />
            <ChatPanel />
            <ShopToast />
            {withProducts && <ProductCards />}
            <ChatBar />
          </div>
        ) : (
          (withProducts || screen === 'ended') && (
            <div className="dock">
              <ShopDock />
              {withProducts && <ProductCards />}
            </div>
          )
        )}
        <ShopSheets />
        {withChat && <InteractionSheets />}
      </main>
    </div>
  );
}
