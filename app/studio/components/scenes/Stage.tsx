/**
 * The stage: program canvas (and the preview canvas in studio mode, with Transition button, T-bar and transition
 * settings), an editing overlay over the edited scene's canvas (select, move with snapping guides, resize, rotate),
 * and the studio's keyboard shortcuts (undo/redo, delete, nudge, Ctrl+1…9 scene switch, collection hotkeys).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Hotkey, SceneItem, Transition } from '../../../../shared/scene/model';
import type { Point, Size } from '../../../../shared/scene/primitives';
import {
  type Guide,
  hitTest,
  itemBoundingBox,
  itemBoxCorners,
  type Rect,
  snapPosition,
  sourceSizes,
} from '../../../../shared/scene/transform';
import { useStudio, useStudioState } from '../../context';
import { selectEditSceneId, selectStudioMode } from '../../store';
import { ReframePrompt } from './ReframePrompt';

function CanvasHost({ canvas, testId }: { canvas: HTMLCanvasElement; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    el.appendChild(canvas);
    return () => {
      if (canvas.parentElement === el) el.removeChild(canvas);
    };
  }, [canvas]);
  return <div className="canvas-host" ref={host} data-testid={testId} />;
}

type Drag =
  | { mode: 'move'; itemId: string; start: Point; pos: Point; box: Rect; others: Rect[] }
  | { mode: 'scale'; itemId: string; start: Point; anchor: Point; scale: Point; bounds: SceneItem['bounds'] }
  | { mode: 'rotate'; itemId: string; start: Point; anchor: Point; rotation: number };

/** The editing overlay: an SVG in collection-canvas coordinates over the displayed canvas. */
function EditOverlay() {
  const { t } = useTranslation();
  const { scenes } = useStudio();
  const collection = useStudioState((s) => s.scene.collection);
  const sceneId = useStudioState(selectEditSceneId);
  const selectedId = useStudioState((s) => s.scene.selectedItemId);
  const runtimeSizes = useStudioState((s) => s.scene.sizes);
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<Drag | null>(null);
  const [guides, setGuides] = useState<Guide[]>([]);
  const { width: W, height: H } = collection.canvas;
  const scene = collection.scenes.find((s) => s.id === sceneId);
  const sizes = sourceSizes(collection, runtimeSizes);
  const item = scene?.items.find((i) => i.id === selectedId);
  const size: Size | undefined = item ? sizes.get(item.sourceId) : undefined;

  const toCanvas = (e: { clientX: number; clientY: number }): Point => {
    const r = svg.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * W, y: ((e.clientY - r.top) / r.height) * H };
  };
  const k = svg.current ? W / Math.max(1, svg.current.getBoundingClientRect().width) : 1; // canvas px per screen px

  const onPointerDown = (e: React.PointerEvent, mode: Drag['mode'] = 'move') => {
    if (!scene || e.button !== 0) return;
    const p = toCanvas(e);
    const id = mode === 'move' ? hitTest(scene, sizes, p) : (item?.id ?? null);
    scenes.select(id);
    const it = scene.items.find((i) => i.id === id);
    if (!it || it.locked) return;
    const sz = sizes.get(it.sourceId);
    if (!sz) return;
    (e.target as Element).setPointerCapture(e.pointerId);
    e.stopPropagation();
    if (mode === 'move') {
      const others = scene.items
        .filter((o) => o.id !== it.id && o.visible && sizes.get(o.sourceId))
        .map((o) => itemBoundingBox(o, sizes.get(o.sourceId)!));
      drag.current = { mode, itemId: it.id, start: p, pos: it.position, box: itemBoundingBox(it, sz), others };
    } else if (mode === 'scale') {
      drag.current = { mode, itemId: it.id, start: p, anchor: it.position, scale: it.scale, bounds: it.bounds };
    } else {
      drag.current = { mode, itemId: it.id, start: p, anchor: it.position, rotation: it.rotation };
    }
  };

  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const p = toCanvas(e);
    if (d.mode === 'move') {
      const dx = p.x - d.start.x;
      const dy = p.y - d.start.y;
      const snap = e.altKey
        ? { dx: 0, dy: 0, guides: [] }
        : snapPosition({ ...d.box, x: d.box.x + dx, y: d.box.y + dy }, collection.canvas, d.others, 8 * k);
      setGuides(snap.guides);
      scenes.apply({
        type: 'transform_item',
        sceneId,
        itemId: d.itemId,
        patch: { position: { x: d.pos.x + dx + snap.dx, y: d.pos.y + dy + snap.dy } },
      });
    } else if (d.mode === 'scale') {
      const r0 = Math.hypot(d.start.x - d.anchor.x, d.start.y - d.anchor.y);
      const r1 = Math.hypot(p.x - d.anchor.x, p.y - d.anchor.y);
      if (r0 < 1) return;
      const f = Math.max(0.01, r1 / r0);
      const patch =
        d.bounds.type !== 'none'
          ? { bounds: { ...d.bounds, width: Math.max(1, d.bounds.width * f), height: Math.max(1, d.bounds.height * f) } }
          : { scale: { x: d.scale.x * f, y: d.scale.y * f } };
      scenes.apply({ type: 'transform_item', sceneId, itemId: d.itemId, patch });
    } else {
      const a0 = Math.atan2(d.start.y - d.anchor.y, d.start.x - d.anchor.x);
      const a1 = Math.atan2(p.y - d.anchor.y, p.x - d.anchor.x);
      let rot = d.rotation + ((a1 - a0) * 180) / Math.PI;
      const snapped = Math.round(rot / 15) * 15;
      if (!e.altKey && Math.abs(rot - snapped) < 3) rot = snapped;
      scenes.apply({ type: 'transform_item', sceneId, itemId: d.itemId, patch: { rotation: Math.round(rot * 10) / 10 } });
    }
  };

  const onPointerUp = () => {
    if (drag.current) scenes.seal();
    drag.current = null;
    setGuides([]);
  };

  const corners = item && size ? itemBoxCorners(item, size) : null;
  const handle = 7 * k;
  const topMid = corners ? { x: (corners[0]!.x + corners[1]!.x) / 2, y: (corners[0]!.y + corners[1]!.y) / 2 } : null;
  const rotHandle =
    corners && topMid && item
      ? (() => {
          const cx = (corners[0]!.x + corners[2]!.x) / 2;
          const cy = (corners[0]!.y + corners[2]!.y) / 2;
          const len = Math.hypot(topMid.x - cx, topMid.y - cy) || 1;
          return { x: topMid.x + ((topMid.x - cx) / len) * 28 * k, y: topMid.y + ((topMid.y - cy) / len) * 28 * k };
        })()
      : null;

  return (
    <svg
      ref={svg}
      className="edit-overlay"
      viewBox={`0 0 ${W} ${H}`}
      preserveAspectRatio="none"
      data-testid="edit-overlay"
      onPointerDown={(e) => onPointerDown(e)}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
    >
      <title>{t('scenes.editHint')}</title>
      {guides.map((g) =>
        g.orientation === 'vertical' ? (
          <line
            key={`v${g.position}-${g.start}`}
            className="guide"
            x1={g.position}
            x2={g.position}
            y1={g.start}
            y2={g.end}
            strokeWidth={1.5 * k}
          />
        ) : (
          <line
            key={`h${g.position}-${g.start}`}
            className="guide"
            y1={g.position}
            y2={g.position}
            x1={g.start}
            x2={g.end}
            strokeWidth={1.5 * k}
          />
        ),
      )}
      {corners && item && (
        <g className={item.locked ? 'sel sel--locked' : 'sel'}>
          <polygon points={corners.map((c) => `${c.x},${c.y}`).join(' ')} strokeWidth={2 * k} />
          {!item.locked && (
            <>
              {corners.map((c) => (
                <rect
                  key={`${c.x},${c.y}`}
                  className="handle"
                  x={c.x - handle}
                  y={c.y - handle}
                  width={handle * 2}
                  height={handle * 2}
                  strokeWidth={1.5 * k}
                  onPointerDown={(e) => onPointerDown(e, 'scale')}
                />
              ))}
              {topMid && rotHandle && (
                <>
                  <line x1={topMid.x} y1={topMid.y} x2={rotHandle.x} y2={rotHandle.y} strokeWidth={1.5 * k} />
                  <circle
                    className="handle handle--rotate"
                    cx={rotHandle.x}
                    cy={rotHandle.y}
                    r={handle}
                    strokeWidth={1.5 * k}
                    onPointerDown={(e) => onPointerDown(e, 'rotate')}
                  />
                </>
              )}
            </>
          )}
        </g>
      )}
    </svg>
  );
}

/** Electron-style accelerator (`CommandOrControl+Shift+1`) ↔ keyboard event. */
export function acceleratorMatches(acc: string, e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): boolean {
  const parts = acc.split('+').map((p) => p.toLowerCase());
  const key = parts.pop();
  const want = {
    ctrl: parts.some((p) => p === 'control' || p === 'ctrl' || p === 'commandorcontrol' || p === 'cmdorctrl'),
    meta: parts.some((p) => p === 'command' || p === 'cmd' || p === 'super' || p === 'meta'),
    shift: parts.includes('shift'),
    alt: parts.includes('alt') || parts.includes('option'),
  };
  const cmdOrCtrl = parts.some((p) => p === 'commandorcontrol' || p === 'cmdorctrl');
  const ctrlOk = cmdOrCtrl ? e.ctrlKey || e.metaKey : e.ctrlKey === want.ctrl && e.metaKey === want.meta;
  return ctrlOk && e.shiftKey === want.shift && e.altKey === want.alt && e.key.toLowerCase() === key;
}

function useStudioHotkeys(): void {
  const { scenes, store } = useStudio();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))) return;
      const s = store.getState();
      if (s.tab !== 'live') return;
      const c = s.scene.collection;
      const mod = e.ctrlKey || e.metaKey;
      const sceneId = c.previewSceneId ?? c.currentSceneId;
      const selected = s.scene.selectedItemId;
      const hk = c.hotkeys.find((h: Hotkey) => acceleratorMatches(h.keys, e));
      if (hk) {
        e.preventDefault();
        const a = hk.action;
        if (a.type === 'switch_scene') scenes.apply({ type: 'set_current_scene', sceneId: a.sceneId });
        else if (a.type === 'preview_scene') scenes.apply({ type: 'set_preview_scene', sceneId: a.sceneId });
        else if (a.type === 'transition') scenes.transition();
        else if (a.type === 'toggle_item') {
          const it = c.scenes.find((x) => x.id === a.sceneId)?.items.find((i) => i.id === a.itemId);
          if (it) scenes.apply({ type: 'set_item_visible', sceneId: a.sceneId, itemId: a.itemId, visible: !it.visible });
        } else if (a.type === 'toggle_mute') {
          const src = c.sources.find((x) => x.id === a.sourceId);
          if (src) scenes.apply({ type: 'set_source_audio', sourceId: a.sourceId, muted: !src.muted });
        }
        return;
      }
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) scenes.redo();
        else scenes.undo();
      } else if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        scenes.redo();
      } else if (mod && /^[1-9]$/.test(e.key)) {
        const scene = c.scenes[Number(e.key) - 1];
        if (scene) {
          e.preventDefault();
          scenes.chooseScene(scene.id);
        }
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && selected) {
        e.preventDefault();
        scenes.removeItem(selected);
      } else if (e.key === 'Escape') {
        scenes.select(null);
      } else if (selected && e.key.startsWith('Arrow')) {
        const it = c.scenes.find((x) => x.id === sceneId)?.items.find((i) => i.id === selected);
        if (!it || it.locked) return;
        e.preventDefault();
        const step = e.shiftKey ? 10 : 1;
        const dx = e.key === 'ArrowLeft' ? -step : e.key === 'ArrowRight' ? step : 0;
        const dy = e.key === 'ArrowUp' ? -step : e.key === 'ArrowDown' ? step : 0;
        scenes.apply({
          type: 'transform_item',
          sceneId,
          itemId: it.id,
          patch: { position: { x: it.position.x + dx, y: it.position.y + dy } },
        });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [scenes, store]);
}

function TransitionControls() {
  const { t } = useTranslation();
  const { scenes } = useStudio();
  const transition = useStudioState((s) => s.scene.collection.transition);
  const tbar = useStudioState((s) => s.scene.tbar);
  const set = (tr: Transition) => scenes.apply({ type: 'set_transition', transition: tr });
  return (
    <div className="transition-controls">
      <button type="button" className="btn btn--primary" data-testid="transition" onClick={() => scenes.transition()}>
        {t('scenes.transition')}
      </button>
      <label className="tbar" title={t('scenes.tbar')}>
        <span className="sr-only">{t('scenes.tbar')}</span>
        <input
          type="range"
          min={0}
          max={1000}
          value={Math.round((tbar ?? 0) * 1000)}
          data-testid="tbar"
          onChange={(e) => scenes.holdTbar(Number(e.target.value) / 1000)}
          onPointerUp={() => scenes.releaseTbar()}
          onKeyUp={() => scenes.releaseTbar()}
        />
      </label>
      <select
        className="input input--small"
        value={transition.kind}
        aria-label={t('scenes.transition')}
        onChange={(e) => {
          const kind = e.target.value as Transition['kind'];
          set(
            kind === 'slide'
              ? { kind, durationMs: transition.durationMs || 300, direction: 'left' }
              : { kind, durationMs: transition.durationMs },
          );
        }}
      >
        {(['cut', 'fade', 'slide'] as const).map((k) => (
          <option key={k} value={k}>
            {t(`scenes.kind.${k}`)}
          </option>
        ))}
      </select>
      <input
        type="number"
        className="input input--num"
        min={0}
        max={5000}
        step={50}
        aria-label={t('scenes.duration')}
        title={t('scenes.duration')}
        value={transition.durationMs}
        onChange={(e) =>
          Number.isFinite(e.target.valueAsNumber) &&
          set({ ...transition, durationMs: Math.max(0, Math.min(5000, Math.round(e.target.valueAsNumber))) })
        }
      />
    </div>
  );
}

export function Stage() {
  const { t } = useTranslation();
  const { compositor, scenes } = useStudio();
  const studioMode = useStudioState(selectStudioMode);
  const canvas = useStudioState((s) => s.scene.collection.canvas);
  const frameStyle = { aspectRatio: `${canvas.width} / ${canvas.height}` };
  const frameClass = `preview-frame${canvas.height > canvas.width ? ' preview-frame--portrait' : ''}`;
  const canUndo = useStudioState((s) => s.scene.canUndo);
  const canRedo = useStudioState((s) => s.scene.canRedo);
  useStudioHotkeys();
  return (
    <div className="preview">
      <div className="stage-toolbar">
        <label className="check" data-testid="studio-mode">
          <input type="checkbox" checked={studioMode} onChange={(e) => scenes.setStudioMode(e.target.checked)} />
          {t('scenes.studioMode')}
        </label>
        {studioMode && <TransitionControls />}
        <span className="spacer" />
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={!canUndo}
          onClick={() => scenes.undo()}
          title="Ctrl+Z"
          data-testid="undo"
        >
          {t('scenes.undo')}
        </button>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={!canRedo}
          onClick={() => scenes.redo()}
          title="Ctrl+Shift+Z"
          data-testid="redo"
        >
          {t('scenes.redo')}
        </button>
      </div>
      <ReframePrompt />
      <div className={`stage-views ${studioMode ? 'stage-views--studio' : ''}`}>
        {studioMode && (
          <div className="stage-view">
            <span className="stage-label stage-label--preview">{t('scenes.preview')}</span>
            <div className={frameClass} style={frameStyle} data-testid="preview">
              <CanvasHost canvas={compositor.previewCanvas} />
              <EditOverlay />
            </div>
          </div>
        )}
        <div className="stage-view">
          {studioMode && <span className="stage-label stage-label--program">{t('scenes.program')}</span>}
          <div className={frameClass} style={frameStyle} data-testid="program">
            <CanvasHost canvas={compositor.canvas} />
            {!studioMode && <EditOverlay />}
          </div>
        </div>
      </div>
    </div>
  );
}
