/** Mixer dock: one strip per audio source of the program (meter, dB fader, mute, monitoring, sync offset). */
import { useTranslation } from 'react-i18next';
import { useStudio, useStudioState } from '../../context';
import { programAudioSources } from '../../controllers/mixer';

/** −60‥0 dBFS → 0‥100 % of the meter. */
function meterPct(db: number): number {
  return Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
}

export function MixerDock() {
  const { t } = useTranslation();
  const { scenes, mixer } = useStudio();
  const collection = useStudioState((s) => s.scene.collection);
  const levels = useStudioState((s) => s.mixer.levels);
  const monitoring = useStudioState((s) => s.mixer.monitoring);
  const running = useStudioState((s) => s.mixer.running);
  const sources = programAudioSources(collection);
  return (
    <section className="dock" data-testid="mixer">
      <div className="dock-head">
        <h2 className="panel-title">{t('mixer.title')}</h2>
        {!running && <span className="hint hint--warn">{t('mixer.suspended')}</span>}
      </div>
      {sources.length === 0 && <p className="hint dock-empty">{t('mixer.empty')}</p>}
      <div className="mixer-strips">
        {sources.map((src) => {
          const l = levels[src.id];
          return (
            <div key={src.id} className="mixer-strip" data-testid={`mixer-${src.id}`}>
              <span className="dock-label" title={src.name}>
                {src.name}
              </span>
              <div className="meter-wrap">
                <div
                  className="meter meter--live"
                  title={t('mixer.db', { db: l ? l.peakDb : -100 })}
                  data-testid={`meter-${src.id}`}
                  data-peak-db={l?.peakDb ?? -100}
                >
                  <div className="meter-mask" style={{ left: `${meterPct(l?.rmsDb ?? -100)}%` }} />
                  <div className="meter-peak" style={{ left: `${meterPct(l?.peakDb ?? -100)}%` }} />
                </div>
                <input
                  type="range"
                  className="fader"
                  min={-60}
                  max={12}
                  step={0.5}
                  value={Math.max(-60, src.volumeDb)}
                  aria-label={`${src.name} ${t('mixer.db', { db: src.volumeDb })}`}
                  onChange={(e) =>
                    scenes.apply({
                      type: 'set_source_audio',
                      sourceId: src.id,
                      volumeDb: e.target.valueAsNumber <= -60 ? -100 : e.target.valueAsNumber,
                    })
                  }
                  onPointerUp={() => scenes.seal()}
                />
              </div>
              <span className="hint mono">{src.volumeDb <= -100 ? '−∞' : `${src.volumeDb.toFixed(1)} dB`}</span>
              <div className="pair">
                <button
                  type="button"
                  className={`btn btn--small ${src.muted ? 'btn--danger' : 'btn--ghost'}`}
                  aria-pressed={src.muted}
                  data-testid={`mute-${src.id}`}
                  onClick={() => scenes.apply({ type: 'set_source_audio', sourceId: src.id, muted: !src.muted })}
                >
                  {src.muted ? t('mixer.unmute') : t('mixer.mute')}
                </button>
                <label className="check">
                  <input type="checkbox" checked={!!monitoring[src.id]} onChange={(e) => mixer.setMonitoring(src.id, e.target.checked)} />
                  {t('mixer.monitor')}
                </label>
              </div>
              <label className="check" title={t('mixer.sync')}>
                <span className="sr-only">{t('mixer.sync')}</span>
                <input
                  type="number"
                  className="input input--num"
                  min={0}
                  max={20000}
                  step={10}
                  value={src.syncOffsetMs}
                  onChange={(e) =>
                    Number.isFinite(e.target.valueAsNumber) &&
                    scenes.apply({
                      type: 'set_source_audio',
                      sourceId: src.id,
                      syncOffsetMs: Math.max(0, Math.min(20000, Math.round(e.target.valueAsNumber))),
                    })
                  }
                />
                ms
              </label>
            </div>
          );
        })}
      </div>
    </section>
  );
}
