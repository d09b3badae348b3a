import { type RefObject, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Quality } from '../../../shared/domain/show';
import { useViewer, useViewerContext } from '../context';
import { resolutionLabel } from '../format';
import { selectActiveLayer } from '../selectors';
import { CheckIcon, DanmakuIcon, LayersIcon, MutedIcon, PlayIcon, SoundIcon } from './icons';

export function PlaybackControls() {
  const { t } = useTranslation();
  const { player } = useViewerContext();
  const muted = useViewer((s) => s.muted);
  // HLS carries the show's sound in the stream itself (no audio consumer to tell).
  const hasAudio = useViewer((s) => s.audio !== null || s.playback === 'hls');
  const audioPaused = useViewer((s) => s.audio?.paused ?? false);
  const playBlocked = useViewer((s) => s.playBlocked);
  const hls = useViewer((s) => s.playback === 'hls');

  return (
    <>
      {playBlocked && (
        <button type="button" className="tap-to-play" onClick={() => player?.resumePlayback()}>
          <PlayIcon width={36} height={36} />
          <span>{t('player.tapToPlay')}</span>
        </button>
      )}
      <div className="controls">
        {muted && hasAudio ? (
          <button type="button" className="unmute" onClick={() => player?.unmute()} data-testid="unmute">
            <MutedIcon width={18} height={18} />
            <span>{t('player.tapToUnmute')}</span>
          </button>
        ) : (
          hasAudio && (
            <button
              type="button"
              className="icon-button"
              onClick={() => (muted ? player?.unmute() : player?.mute())}
              aria-label={muted ? t('player.unmute') : t('player.mute')}
            >
              {muted ? <MutedIcon /> : <SoundIcon />}
            </button>
          )
        )}
        {hasAudio && audioPaused && <span className="chip chip--over-video">{t('player.hostMuted')}</span>}
        <span className="spacer" />
        <DanmakuMenu />
        {/* HLS plays one rendition: nothing to choose. */}
        {!hls && <QualityMenu />}
      </div>
    </>
  );
}

const QUALITIES = Quality.options;
const DENSITIES = ['low', 'normal', 'high'] as const;

/** Closes a popup menu on an outside pointer or Escape. */
function useDismiss(open: boolean, setOpen: (o: boolean) => void, ref: RefObject<HTMLDivElement | null>) {
  useEffect(() => {
    if (!open) return;
    const close = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open, setOpen, ref]);
}

/** Danmaku on/off and density (saved for the next visit by the interaction controller). */
function DanmakuMenu() {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  const prefs = useViewer((s) => s.danmaku);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(open, setOpen, ref);
  if (!interaction) return null;
  return (
    <div className="quality" ref={ref}>
      <button
        type="button"
        className={`icon-button danmaku-toggle${prefs.enabled ? ' danmaku-toggle--on' : ''}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={t('danmaku.title')}
        onClick={() => setOpen((o) => !o)}
        data-testid="danmaku-button"
      >
        <DanmakuIcon width={18} height={18} />
      </button>
      {open && (
        <div className="quality-menu" role="menu" data-testid="danmaku-menu">
          <div className="quality-menu-head">{t('danmaku.title')}</div>
          <button
            type="button"
            role="menuitemcheckbox"
            aria-checked={prefs.enabled}
            className={`menu-option${prefs.enabled ? ' menu-option--selected' : ''}`}
            onClick={() => interaction.setDanmaku({ enabled: !prefs.enabled })}
            data-testid="danmaku-enabled"
          >
            <span className="quality-name">{t('danmaku.show')}</span>
            <span className="quality-hint">{prefs.enabled ? t('danmaku.on') : t('danmaku.off')}</span>
            {prefs.enabled && <CheckIcon width={16} height={16} />}
          </button>
          <div className="quality-menu-head">{t('danmaku.density')}</div>
          {DENSITIES.map((d) => (
            <button
              key={d}
              type="button"
              role="menuitemradio"
              aria-checked={prefs.density === d}
              className={`menu-option${prefs.density === d && prefs.enabled ? ' menu-option--selected' : ''}`}
              disabled={!prefs.enabled}
              onClick={() => interaction.setDanmaku({ density: d })}
              data-testid={`danmaku-density-${d}`}
            >
              <span className="quality-name">{t(`danmaku.densities.${d}`)}</span>
              <span className="quality-hint">{t(`danmaku.densityHint.${d}`)}</span>
              {prefs.density === d && <CheckIcon width={16} height={16} />}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function QualityMenu() {
  const { t } = useTranslation();
  const { player } = useViewerContext();
  const quality = useViewer((s) => s.quality);
  const active = useViewer(selectActiveLayer);
  // "720p" names the short side, in portrait (720×1280) as in landscape.
  const height = useViewer((s) => (s.videoSize ? Math.min(s.videoSize.width, s.videoSize.height) : null));
  const hasVideo = useViewer((s) => s.video !== null);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);

  const res = resolutionLabel(height);
  const current = active ? t(`quality.${active}`) : null;
  return (
    <div className="quality" ref={ref}>
      <button
        type="button"
        className="quality-button"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={!hasVideo}
        onClick={() => setOpen((o) => !o)}
        data-testid="quality-button"
      >
        <LayersIcon width={16} height={16} />
        <span>{t(`quality.${quality}`)}</span>
        {res && <span className="quality-res">{res}</span>}
      </button>
      {open && (
        <div className="quality-menu" role="menu">
          <div className="quality-menu-head">
            {t('quality.title')}
            {current && <span className="quality-now">{t('quality.current', { layer: current })}</span>}
          </div>
          {QUALITIES.map((q) => (
            <button
              key={q}
              type="button"
              role="menuitemradio"
              aria-checked={quality === q}
              className={`menu-option${quality === q ? ' menu-option--selected' : ''}`}
              onClick={() => {
                setOpen(false);
                void player?.setQuality(q);
              }}
            >
              <span className="quality-name">{t(`quality.${q}`)}</span>
              <span className="quality-hint">{t(`quality.hint.${q}`)}</span>
              {quality === q && <CheckIcon width={16} height={16} />}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
