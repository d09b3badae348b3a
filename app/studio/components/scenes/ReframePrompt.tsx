/**
 * After the frame turned (16:9 ↔ 9:16): the items stay where they were until the streamer picks how to adapt them —
 * fit, fill, the portrait starter scene, or leave them — and what was picked can be undone from here.
 */
import { useTranslation } from 'react-i18next';
import { orientationOf } from '../../../../shared/scene/frame';
import { useStudio, useStudioState } from '../../context';

export function ReframePrompt() {
  const { t } = useTranslation();
  const locale = useStudioState((s) => s.settings.locale);
  const { scenes } = useStudio();
  const reframe = useStudioState((s) => s.scene.reframe);
  const canvas = useStudioState((s) => s.scene.collection.canvas);
  // Shown only while the canvas is the frame it is about (an undo of the frame change hides it).
  if (!reframe || canvas.width !== reframe.to.width || canvas.height !== reframe.to.height) return null;
  const params = {
    from: `${reframe.from.width}×${reframe.from.height}`,
    to: `${reframe.to.width}×${reframe.to.height}`,
    orientation: t(`scenes.reframe.${orientationOf(reframe.to)}`),
  };
  return (
    <div className="reframe" role="status" data-testid="reframe-prompt">
      <div className="reframe-text">
        <strong>{t('scenes.reframe.title', params)}</strong>
        <span className="reframe-detail">{t(reframe.adapted ? 'scenes.reframe.adapted' : 'scenes.reframe.body', params)}</span>
      </div>
      <div className="reframe-actions">
        {reframe.adapted ? (
          <button type="button" className="btn btn--small" onClick={() => scenes.undoAdapt()} data-testid="reframe-undo">
            {t('scenes.undo')}
          </button>
        ) : (
          <>
            <button
              type="button"
              className="btn btn--small btn--primary"
              onClick={() => scenes.adaptItems('fit')}
              data-testid="reframe-fit"
            >
              {t('scenes.reframe.fit')}
            </button>
            <button type="button" className="btn btn--small" onClick={() => scenes.adaptItems('fill')} data-testid="reframe-fill">
              {t('scenes.reframe.fill')}
            </button>
            {orientationOf(reframe.to) === 'portrait' && (
              <button
                type="button"
                className="btn btn--small"
                onClick={() => scenes.addPortraitStarter(locale)}
                data-testid="reframe-starter"
              >
                {t('scenes.reframe.starter')}
              </button>
            )}
          </>
        )}
        <button type="button" className="btn btn--ghost btn--small" onClick={() => scenes.dismissReframe()} data-testid="reframe-keep">
          {t(reframe.adapted ? 'scenes.reframe.done' : 'scenes.reframe.keep')}
        </button>
      </div>
    </div>
  );
}
