/** Data tab: the show's explanation clips ranked as highlights (most product clicks first), each opened in the browser. */
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { replayPagePath } from '../../../shared/replay/manifest';
import { formatElapsed } from '../../ui/format';
import { useStudio, useStudioState } from '../context';
import { createReplayClipsStore, ReplayClipsController } from '../controllers/replay-clips';

export function ReplayClips() {
  const { t } = useTranslation();
  const { host, store } = useStudio();
  const serverUrl = useStudioState((s) => s.serverUrl);
  const show = useStudioState((s) => s.publish.show);
  const clips = useMemo(() => createReplayClipsStore(), []);
  const highlights = useStore(clips, (s) => s.highlights);
  const unrecorded = useStore(clips, (s) => s.unrecorded);
  const showId = show?.id ?? null;
  const live = show?.status === 'live';
  const ended = show?.status === 'ended';

  useEffect(() => {
    if (!serverUrl || !showId) return;
    const ctl = new ReplayClipsController(clips, { serverUrl, showId, live });
    ctl.start();
    return () => ctl.stop();
  }, [clips, serverUrl, showId, live]);

  if (!serverUrl || !showId) return null;
  const base = serverUrl.replace(/\/+$/, '');
  const open = async (url: string) => {
    try {
      const { opened } = await host.call('host.openExternal', { url });
      if (!opened) store.getState().pushError('openFailed', url);
    } catch (err) {
      store.getState().pushError('openFailed', err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="bigscreen-card" aria-label={t('bigscreen.clips.title')} data-testid="bigscreen-clips">
      <h2 className="bigscreen-card-title">{t('bigscreen.clips.title')}</h2>
      {ended && !unrecorded && (
        <button type="button" className="btn" onClick={() => void open(`${base}${replayPagePath(showId)}`)} data-testid="open-replay">
          {t('bigscreen.clips.openReplay')}
        </button>
      )}
      {highlights.length === 0 ? (
        <p className="bigscreen-empty">{unrecorded ? t('bigscreen.clips.unrecorded') : t('bigscreen.clips.none')}</p>
      ) : (
        <div className="bigscreen-table-wrap">
          <table className="bigscreen-table">
            <thead>
              <tr>
                <th className="bigscreen-col-text">{t('bigscreen.clips.product')}</th>
                <th className="bigscreen-col-num">{t('bigscreen.clips.at')}</th>
                <th className="bigscreen-col-num">{t('bigscreen.clips.length')}</th>
                <th className="bigscreen-col-num">{t('bigscreen.clips.clicks')}</th>
                <th className="bigscreen-col-text">
                  <span className="sr-only">{t('bigscreen.clips.open')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {highlights.map((c) => (
                <tr key={c.clipId} data-testid={`clip-row-${c.clipId}`}>
                  <td className="bigscreen-col-text">{c.name}</td>
                  <td className="bigscreen-col-num">{formatElapsed(c.start * 1000)}</td>
                  <td className="bigscreen-col-num">{formatElapsed((c.end - c.start) * 1000)}</td>
                  <td className="bigscreen-col-num">{c.clicks}</td>
                  <td className="bigscreen-col-text">
                    <button type="button" className="btn" onClick={() => c.clipUrl && void open(`${base}${c.clipUrl}`)}>
                      {t('bigscreen.clips.open')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
