/**
 * Properties of the selected item's source, generated from its kind's settings schema (shared/scene/kinds.ts),
 * plus the item's transform. Every change is an edit (undoable); invalid values are refused by the edit.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DisplaySource } from '../../../../shared/protocol/host';
import { libraryDisplayName, libraryFileOf } from '../../../../shared/protocol/media-library';
import { RpcError } from '../../../../shared/protocol/rpc';
import { getKind } from '../../../../shared/scene/kinds';
import type { ItemTransformPatch, SceneItem, Source } from '../../../../shared/scene/model';
import type { MediaRef } from '../../../../shared/scene/primitives';
import { useStudio, useStudioState } from '../../context';
import { ScreenCaptureRuntime } from '../../render/sources/media';
import { selectEditSceneId } from '../../store';
import { colorRgb, colorWithAlpha, type FieldSpec, fieldsOf } from './schema-form';

type Settings = Record<string, unknown>;

function NumberInput({
  value,
  spec,
  onChange,
  label,
}: {
  value: number;
  spec: Partial<FieldSpec>;
  onChange: (v: number) => void;
  /** Accessible name where no <label> wraps the input. */
  label?: string;
}) {
  return (
    <input
      type="number"
      className="input input--num"
      aria-label={label}
      value={Number.isFinite(value) ? Math.round(value * 100) / 100 : 0}
      min={spec.min}
      max={spec.max}
      step={spec.step ?? 'any'}
      onChange={(e) => {
        const v = e.target.valueAsNumber;
        if (Number.isFinite(v)) onChange(v);
      }}
    />
  );
}

function mediaText(ref: MediaRef | null): string {
  if (!ref) return '';
  if (ref.type === 'url') return ref.url;
  const lib = libraryFileOf(ref.path);
  return lib ? libraryDisplayName(lib) : ref.path;
}

type ImportState = { kind: 'idle' } | { kind: 'importing'; name: string; fraction: number } | { kind: 'error'; message: string };

function MediaField({ value, onChange, accept }: { value: MediaRef | null; onChange: (v: MediaRef | null) => void; accept: string }) {
  const { t } = useTranslation();
  const { compositor, host } = useStudio();
  const [state, setState] = useState<ImportState>({ kind: 'idle' });
  const pick = async (f: File) => {
    setState({ kind: 'importing', name: f.name, fraction: 0 });
    try {
      // Copied into the host's media library: the source keeps working after a restart and in exports.
      const r = await host.importMedia(f, (fraction) => setState({ kind: 'importing', name: f.name, fraction }));
      setState({ kind: 'idle' });
      onChange({ type: 'file', path: r.path });
    } catch (err) {
      // The host could not keep it (too large, not a media file, host unreachable): use it for this session only.
      const message = err instanceof RpcError ? err.message : String(err);
      if (err instanceof RpcError && err.code === 'BAD_REQUEST') {
        setState({ kind: 'error', message: t('sources.importRefused', { message }) });
        return;
      }
      setState({ kind: 'error', message: t('sources.importSessionOnly', { message }) });
      const path = `picked/${Date.now()}-${f.name}`;
      compositor.media.registerFile(path, f);
      onChange({ type: 'file', path });
    }
  };
  return (
    <div className="media-field">
      <input
        className="input"
        type="url"
        placeholder="https://…"
        defaultValue={mediaText(value)}
        key={mediaText(value)}
        onBlur={(e) => {
          const v = e.target.value.trim();
          if (v === mediaText(value)) return;
          onChange(v ? { type: 'url', url: v } : null);
        }}
      />
      <label className={`btn btn--ghost btn--small${state.kind === 'importing' ? ' btn--disabled' : ''}`}>
        {state.kind === 'importing' ? t('sources.importing', { percent: Math.round(state.fraction * 100) }) : t('sources.chooseFile')}
        <input
          type="file"
          accept={accept}
          hidden
          disabled={state.kind === 'importing'}
          data-testid="media-file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void pick(f);
          }}
        />
      </label>
      {state.kind === 'error' && (
        <div className="field-error small" role="alert">
          {state.message}
        </div>
      )}
    </div>
  );
}

type DisplayList =
  | { kind: 'loading' }
  | { kind: 'unsupported' }
  | { kind: 'ready'; sources: DisplaySource[] }
  | { kind: 'error'; message: string };

/** Screen / window chooser (Electron's desktopCapturer through the host); web mode uses the browser's picker. */
function DisplaySourceField({
  target,
  value,
  onChange,
}: {
  target: 'screen' | 'window';
  value: string | null;
  onChange: (v: string | null) => void;
}) {
  const { host } = useStudio();
  const { t } = useTranslation();
  const [list, setList] = useState<DisplayList>({ kind: 'loading' });
  const load = useCallback(() => {
    let live = true;
    setList({ kind: 'loading' });
    host.call('display.listSources', { kinds: [target] }).then(
      (r) => live && setList(r.supported ? { kind: 'ready', sources: r.sources } : { kind: 'unsupported' }),
      (err: unknown) => live && setList({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [host, target]);
  useEffect(load, [load]);
  if (list.kind === 'unsupported') return <span className="hint">{t('props.displayBrowserPicker')}</span>;
  if (list.kind === 'loading') return <span className="hint">{t('props.displayLoading')}</span>;
  if (list.kind === 'error') {
    return (
      <span className="hint" role="alert">
        {t('props.displayError', { message: list.message })}{' '}
        <button type="button" className="btn btn--ghost btn--small" onClick={load}>
          {t('props.refresh')}
        </button>
      </span>
    );
  }
  const chosen = list.sources.find((src) => src.id === value) ?? null;
  return (
    <div className="display-source" data-testid="display-source">
      <div className="pair">
        <select className="input" value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
          <option value="">{t('props.displayFirst')}</option>
          {value !== null && !chosen && <option value={value}>{t('props.displayGone')}</option>}
          {list.sources.map((src) => (
            <option key={src.id} value={src.id}>
              {src.name}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn--ghost btn--small" onClick={load}>
          {t('props.refresh')}
        </button>
      </div>
      {chosen?.thumbnail && <img className="display-source__thumb" src={chosen.thumbnail} alt={chosen.name} />}
    </div>
  );
}

function SettingField({
  source,
  spec,
  settings,
  set,
}: {
  source: Source;
  spec: FieldSpec;
  settings: Settings;
  set: (patch: Settings) => void;
}) {
  const { t } = useTranslation();
  const products = useStudioState((s) => s.catalog.products);
  const sales = useStudioState((s) => s.sales);
  const cameras = useStudioState((s) => s.devices.cameras);
  const mics = useStudioState((s) => s.devices.mics);
  const scenesList = useStudioState((s) => s.scene.collection.scenes);
  const value = settings[spec.key];
  const k = spec.key;
  let control: React.ReactNode;

  const select = (options: { value: string; label: string }[], nullLabel: string | null) => (
    <select className="input" value={(value as string | null) ?? ''} onChange={(e) => set({ [k]: e.target.value || null })}>
      {nullLabel !== null && <option value="">{nullLabel}</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );

  if (k === 'productId')
    control = select(
      products.map((p) => ({ value: p.id, label: p.title })),
      t('props.pinned'),
    );
  else if (k === 'skuId')
    control = select(
      sales.map((s) => ({ value: s.skuId, label: products.find((p) => p.id === s.productId)?.title ?? s.skuId })),
      t('props.runningSale'),
    );
  else if (k === 'sceneId')
    control = select(
      scenesList.map((s) => ({ value: s.id, label: s.name })),
      t('props.none'),
    );
  else if (k === 'sourceId' && source.kind === 'screen_capture')
    control = (
      <DisplaySourceField
        target={(settings.target as 'screen' | 'window' | undefined) ?? 'screen'}
        value={value as string | null}
        onChange={(v) => set({ sourceId: v })}
      />
    );
  else if (k === 'deviceId')
    control = select(
      (source.kind === 'camera' ? cameras : mics).map((d) => ({ value: d.deviceId, label: d.label })),
      t('props.default'),
    );
  else if (k === 'ref')
    control = (
      <MediaField
        value={value as MediaRef | null}
        accept={source.kind === 'media_file' ? 'video/*,audio/*' : 'image/*'}
        onChange={(v) => set({ ref: v })}
      />
    );
  else if (k === 'items') {
    const list = (value as MediaRef[]).map(mediaText).join('\n');
    control = (
      <textarea
        className="input"
        rows={3}
        defaultValue={list}
        key={list}
        onBlur={(e) => {
          const urls = e.target.value
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean);
          set({ items: urls.map((url) => ({ type: 'url', url })) });
        }}
      />
    );
  } else if (k === 'resolution') {
    const r = value as { width: number; height: number };
    control = (
      <div className="pair">
        <NumberInput value={r.width} spec={{ min: 16, step: 1 }} onChange={(width) => set({ resolution: { ...r, width } })} />×
        <NumberInput value={r.height} spec={{ min: 16, step: 1 }} onChange={(height) => set({ resolution: { ...r, height } })} />
      </div>
    );
  } else if (k === 'fill') {
    const f = value as { type: 'solid'; color: string } | { type: 'linear'; angle: number; stops: { offset: number; color: string }[] };
    const first = f.type === 'solid' ? f.color : (f.stops[0]?.color ?? '#000000');
    const last = f.type === 'solid' ? f.color : (f.stops.at(-1)?.color ?? '#000000');
    control = (
      <div className="pair">
        <select
          className="input"
          value={f.type}
          onChange={(e) =>
            set({
              fill:
                e.target.value === 'solid'
                  ? { type: 'solid', color: first }
                  : {
                      type: 'linear',
                      angle: 135,
                      stops: [
                        { offset: 0, color: first },
                        { offset: 1, color: '#0d1b2a' },
                      ],
                    },
            })
          }
        >
          <option value="solid">{t('props.solid')}</option>
          <option value="linear">{t('props.gradient')}</option>
        </select>
        <input
          type="color"
          aria-label={t('props.from')}
          value={colorRgb(first)}
          onChange={(e) =>
            set({
              fill:
                f.type === 'solid'
                  ? { type: 'solid', color: colorWithAlpha(e.target.value, first) }
                  : { ...f, stops: [{ offset: 0, color: e.target.value }, ...f.stops.slice(1)] },
            })
          }
        />
        {f.type === 'linear' && (
          <>
            <input
              type="color"
              aria-label={t('props.to')}
              value={colorRgb(last)}
              onChange={(e) => set({ fill: { ...f, stops: [...f.stops.slice(0, -1), { offset: 1, color: e.target.value }] } })}
            />
            <NumberInput value={f.angle} spec={{ min: 0, max: 360, step: 1 }} onChange={(angle) => set({ fill: { ...f, angle } })} />
          </>
        )}
      </div>
    );
  } else if (k === 'animationIn' || k === 'animationOut') {
    const a = value as { type: string; durationMs: number };
    control = (
      <div className="pair">
        <select className="input" value={a.type} onChange={(e) => set({ [k]: { ...a, type: e.target.value } })}>
          {['none', 'fade', 'slide_left', 'slide_right', 'slide_up', 'slide_down', 'pop'].map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <NumberInput
          value={a.durationMs}
          spec={{ min: 0, max: 3000, step: 50 }}
          onChange={(durationMs) => set({ [k]: { ...a, durationMs } })}
        />
      </div>
    );
  } else if (spec.kind === 'boolean')
    control = <input type="checkbox" checked={value as boolean} onChange={(e) => set({ [k]: e.target.checked })} />;
  else if (spec.kind === 'number') control = <NumberInput value={value as number} spec={spec} onChange={(v) => set({ [k]: v })} />;
  else if (spec.kind === 'enum')
    control = select(
      spec.options.map((o) => ({ value: o, label: t(`props.${o}`, { defaultValue: o }) })),
      spec.nullable ? t('props.none') : null,
    );
  else if (spec.kind === 'color') {
    const c = value as string | null;
    control = (
      <div className="pair">
        <input type="color" value={colorRgb(c ?? '#000000')} onChange={(e) => set({ [k]: colorWithAlpha(e.target.value, c) })} />
        {spec.nullable && (
          <label className="check">
            <input type="checkbox" checked={c !== null} onChange={(e) => set({ [k]: e.target.checked ? '#000000aa' : null })} />
          </label>
        )}
      </div>
    );
  } else if (spec.kind === 'string' && k === 'text') {
    control = (
      <textarea
        className="input"
        rows={3}
        value={value as string}
        maxLength={spec.maxLength}
        onChange={(e) => set({ [k]: e.target.value })}
      />
    );
  } else if (spec.kind === 'string') {
    control = <input className="input" value={value as string} maxLength={spec.maxLength} onChange={(e) => set({ [k]: e.target.value })} />;
  } else {
    control = (
      <textarea
        className="input mono"
        rows={2}
        defaultValue={JSON.stringify(value)}
        key={JSON.stringify(value)}
        onBlur={(e) => {
          try {
            set({ [k]: JSON.parse(e.target.value) });
          } catch {
            // left as typed; the value is not applied
          }
        }}
      />
    );
  }
  return (
    <div className="prop">
      <span className="prop-label">{t(`props.${k}`, { defaultValue: k })}</span>
      {control}
    </div>
  );
}

function TransformFields({ item, sceneId }: { item: SceneItem; sceneId: string }) {
  const { t } = useTranslation();
  const { scenes } = useStudio();
  const canvas = useStudioState((s) => s.scene.collection.canvas);
  const patch = (p: ItemTransformPatch) => scenes.apply({ type: 'transform_item', sceneId, itemId: item.id, patch: p });
  return (
    <div className="props-transform">
      <div className="pair">
        <span className="prop-label">{t('props.positionX')}</span>
        <NumberInput value={item.position.x} spec={{}} onChange={(x) => patch({ position: { ...item.position, x } })} />
        <span className="prop-label">{t('props.positionY')}</span>
        <NumberInput value={item.position.y} spec={{}} onChange={(y) => patch({ position: { ...item.position, y } })} />
      </div>
      <div className="pair">
        <span className="prop-label">{t('props.scaleX')}</span>
        <NumberInput value={item.scale.x} spec={{ step: 0.05 }} onChange={(x) => x !== 0 && patch({ scale: { ...item.scale, x } })} />
        <span className="prop-label">{t('props.scaleY')}</span>
        <NumberInput value={item.scale.y} spec={{ step: 0.05 }} onChange={(y) => y !== 0 && patch({ scale: { ...item.scale, y } })} />
        <span className="prop-label">{t('props.rotation')}</span>
        <NumberInput value={item.rotation} spec={{ step: 1 }} onChange={(rotation) => patch({ rotation })} />
      </div>
      <span className="prop-label">{t('props.crop')}</span>
      <div className="crop-grid" data-testid="crop-fields">
        {(['left', 'top', 'right', 'bottom'] as const).map((side) => {
          const name = t(`props.crop${side[0]!.toUpperCase()}${side.slice(1)}`);
          return (
            <div key={side} className="crop-grid__cell">
              <span className="hint" aria-hidden>
                {name}
              </span>
              <NumberInput
                value={item.crop[side]}
                spec={{ min: 0, step: 1 }}
                label={`${t('props.crop')} · ${name}`}
                onChange={(v) => !item.locked && patch({ crop: { ...item.crop, [side]: Math.max(0, Math.round(v)) } })}
              />
            </div>
          );
        })}
      </div>
      <div className="pair">
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={item.locked}
          onClick={() =>
            patch({
              position: { x: 0, y: 0 },
              scale: { x: 1, y: 1 },
              rotation: 0,
              alignment: 'top_left',
              crop: { left: 0, top: 0, right: 0, bottom: 0 },
              bounds: { type: 'none', width: 0, height: 0, alignment: 'center' },
            })
          }
        >
          {t('sources.resetTransform')}
        </button>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={item.locked}
          onClick={() =>
            patch({
              position: { x: canvas.width / 2, y: canvas.height / 2 },
              alignment: 'center',
              rotation: 0,
              bounds: { type: 'scale_inner', width: canvas.width, height: canvas.height, alignment: 'center' },
            })
          }
        >
          {t('sources.fitToScreen')}
        </button>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={item.locked}
          onClick={() => patch({ position: { x: canvas.width / 2, y: canvas.height / 2 }, alignment: 'center' })}
        >
          {t('sources.centre')}
        </button>
      </div>
    </div>
  );
}

export function PropertiesPanel() {
  const { t } = useTranslation();
  const { scenes, compositor } = useStudio();
  const collection = useStudioState((s) => s.scene.collection);
  const sceneId = useStudioState(selectEditSceneId);
  const selectedId = useStudioState((s) => s.scene.selectedItemId);
  const status = useStudioState((s) => s.scene.status);
  const item = collection.scenes.find((s) => s.id === sceneId)?.items.find((i) => i.id === selectedId);
  const source = item ? collection.sources.find((s) => s.id === item.sourceId) : undefined;
  if (!item || !source) {
    return (
      <section className="dock dock--props" data-testid="properties">
        <h2 className="panel-title">{t('sources.properties')}</h2>
        <p className="hint dock-empty">{t('sources.selectHint')}</p>
      </section>
    );
  }
  const kind = getKind(source.kind);
  const settings = source.settings as Settings;
  const st = status[source.id];
  const runtime = compositor.runtime(source.id);
  return (
    <section className="dock dock--props" data-testid="properties">
      <div className="dock-head">
        <h2 className="panel-title">
          {t('sources.properties')} · {source.name}
        </h2>
        <span className="hint">{t(kind.labelKey)}</span>
      </div>
      {st && st.state !== 'ok' && (
        <p className={`source-status source-status--${st.state}`} data-testid="source-status">
          {t(`sources.status.${st.messageKey ?? 'loading'}`)}
          {st.detail && <span className="hint"> — {st.detail}</span>}
        </p>
      )}
      {runtime instanceof ScreenCaptureRuntime && (
        <div className="pair">
          <button type="button" className="btn btn--primary btn--small" onClick={() => void runtime.start()}>
            {t('sources.startCapture')}
          </button>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => runtime.stop()}>
            {t('sources.stopCapture')}
          </button>
        </div>
      )}
      <div className="props-grid">
        {fieldsOf(kind.settings).map((spec) => (
          <SettingField
            key={spec.key}
            source={source}
            spec={spec}
            settings={settings}
            set={(patch) => scenes.apply({ type: 'update_source_settings', sourceId: source.id, settings: patch })}
          />
        ))}
      </div>
      <h3 className="props-sub">{t('sources.transform')}</h3>
      <TransformFields item={item} sceneId={sceneId} />
    </section>
  );
}
