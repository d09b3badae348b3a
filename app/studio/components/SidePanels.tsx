import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { effectivePreset, OUTPUT_PRESETS, OutputPreset } from '../../../shared/protocol/host';
import { useStudio, useStudioState } from '../context';
import { selectIsBusy } from '../store';

export function DevicesPanel() {
  const { t } = useTranslation();
  const { devices: ctl, settings, scenes } = useStudio();
  const devices = useStudioState((s) => s.devices);
  const chosen = useStudioState((s) => s.settings.output);
  const canvas = useStudioState((s) => s.scene.collection.canvas);
  // What is sent: the chosen quality in the orientation of the collection's frame (undo turns it back too).
  const output = effectivePreset(chosen, canvas);
  const busy = useStudioState(selectIsBusy);

  return (
    <section className="panel">
      <h2 className="panel-title">{t('devices.title')}</h2>
      <label className="field">
        <span className="field-label">
          {t('devices.camera')} <span className={`dot dot--${devices.camera}`}>{t(`devices.status.${devices.camera}`)}</span>
        </span>
        <select
          className="input"
          value={devices.activeCameraId ?? ''}
          disabled={devices.cameras.length === 0}
          data-testid="camera-select"
          onChange={(e) => void ctl.selectCamera(e.target.value)}
        >
          {devices.cameras.length === 0 && <option value="">{t('devices.none')}</option>}
          {devices.cameras.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">
          {t('devices.mic')} <span className={`dot dot--${devices.mic}`}>{t(`devices.status.${devices.mic}`)}</span>
        </span>
        <select
          className="input"
          value={devices.activeMicId ?? ''}
          disabled={devices.mics.length === 0}
          data-testid="mic-select"
          onChange={(e) => void ctl.selectMic(e.target.value)}
        >
          {devices.mics.length === 0 && <option value="">{t('devices.none')}</option>}
          {devices.mics.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">{t('devices.output')}</span>
        <select
          className="input"
          value={output}
          disabled={busy}
          title={busy ? t('devices.outputLocked') : undefined}
          data-testid="output-select"
          onChange={(e) => {
            const preset = OutputPreset.safeParse(e.target.value);
            if (!preset.success) return;
            settings.update({ output: preset.data });
            scenes.reframe(OUTPUT_PRESETS[preset.data]);
            void ctl.reopenCamera();
          }}
        >
          {OutputPreset.options.map((p) => (
            <option key={p} value={p}>
              {t(`devices.presets.${p}`)} ({OUTPUT_PRESETS[p].width}×{OUTPUT_PRESETS[p].height})
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

/** Downscale a chosen image to a small logo data URL (fits the host message limit). */
async function logoDataUrl(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file);
  try {
    for (const max of [256, 192, 128]) {
      const s = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(bitmap.width * s));
      canvas.height = Math.max(1, Math.round(bitmap.height * s));
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('2D canvas unavailable');
      ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const url = canvas.toDataURL('image/webp', 0.9);
      const png = url.startsWith('data:image/webp') ? url : canvas.toDataURL('image/png');
      if (png.length <= 48 * 1024) return png;
    }
  } finally {
    bitmap.close();
  }
  throw new Error('image too large');
}

export function LayersPanel() {
  const { t } = useTranslation();
  const { settings, store } = useStudio();
  const text = useStudioState((s) => s.settings.overlayText);
  const logo = useStudioState((s) => s.settings.logoDataUrl);
  const fileInput = useRef<HTMLInputElement>(null);

  return (
    <section className="panel">
      <h2 className="panel-title">{t('layers.title')}</h2>
      <label className="field">
        <span className="field-label">{t('layers.text')}</span>
        <input
          className="input"
          type="text"
          maxLength={120}
          value={text}
          placeholder={t('layers.textPlaceholder')}
          data-testid="overlay-text"
          onChange={(e) => settings.update({ overlayText: e.target.value }, 400)}
        />
      </label>
      <div className="field">
        <span className="field-label">{t('layers.logo')}</span>
        <div className="logo-row">
          {logo ? <img className="logo-thumb" src={logo} alt="" /> : <span className="logo-thumb logo-thumb--empty" />}
          <button type="button" className="btn btn--ghost btn--small" onClick={() => fileInput.current?.click()}>
            {t('layers.chooseLogo')}
          </button>
          {logo && (
            <button type="button" className="btn btn--ghost btn--small" onClick={() => settings.update({ logoDataUrl: null })}>
              {t('layers.removeLogo')}
            </button>
          )}
          <input
            ref={fileInput}
            type="file"
            accept="image/png,image/jpeg,image/webp"
            hidden
            data-testid="logo-file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (!file) return;
              try {
                settings.update({ logoDataUrl: await logoDataUrl(file) });
                store.getState().clearError('logoInvalid');
              } catch (err) {
                store.getState().pushError('logoInvalid', err instanceof Error ? err.message : String(err));
              }
            }}
          />
        </div>
      </div>
    </section>
  );
}
