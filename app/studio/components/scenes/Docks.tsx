/** Scenes dock and sources dock (add / rename / remove, visibility and lock, drag reorder, context menus). */
import { closestCenter, DndContext, type DragEndEvent, KeyboardSensor, PointerSensor, useSensor, useSensors } from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listKinds, type SourceKindId } from '../../../../shared/scene/kinds';
import type { SceneItem, Source } from '../../../../shared/scene/model';
import { useStudio, useStudioState } from '../../context';
import { selectEditSceneId } from '../../store';

interface MenuEntry {
  label: string;
  onClick: () => void;
  danger?: boolean;
  disabled?: boolean;
}

/** A small context menu at the pointer; closes on any outside click or Escape. */
export function ContextMenu({ x, y, entries, onClose }: { x: number; y: number; entries: MenuEntry[]; onClose: () => void }) {
  useEffect(() => {
    const close = () => onClose();
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('pointerdown', close);
    window.addEventListener('keydown', key);
    return () => {
      window.removeEventListener('pointerdown', close);
      window.removeEventListener('keydown', key);
    };
  }, [onClose]);
  return (
    <div className="ctx-menu" role="menu" style={{ left: x, top: y }} onPointerDown={(e) => e.stopPropagation()}>
      {entries.map((e) => (
        <button
          key={e.label}
          type="button"
          role="menuitem"
          className={`ctx-item ${e.danger ? 'ctx-item--danger' : ''}`}
          disabled={e.disabled}
          onClick={() => {
            e.onClick();
            onClose();
          }}
        >
          {e.label}
        </button>
      ))}
    </div>
  );
}

const ICONS = {
  eye: 'M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5Zm7 2.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5Z',
  eyeOff: 'M2 2l12 12M6.6 3.2A7.6 7.6 0 0 1 8 3c4.5 0 7 5 7 5a12 12 0 0 1-2 2.6M4.2 4.4A12 12 0 0 0 1 8s2.5 5 7 5a7 7 0 0 0 3.3-.8',
  lock: 'M4 7V5a4 4 0 0 1 8 0v2M3 7h10v7H3z',
  unlock: 'M4 7V5a4 4 0 0 1 7.7-1.5M3 7h10v7H3z',
} as const;

function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg
      viewBox="0 0 16 16"
      width="15"
      height="15"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
    >
      <path d={ICONS[name]} />
    </svg>
  );
}

type Menu = { x: number; y: number; entries: MenuEntry[] } | null;

/** Inline rename: a text field that commits on Enter / blur. */
function InlineName({ value, onCommit, onCancel }: { value: string; onCommit: (v: string) => void; onCancel: () => void }) {
  const [v, setV] = useState(value);
  return (
    <input
      className="input input--inline"
      // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename
      autoFocus
      value={v}
      maxLength={80}
      onChange={(e) => setV(e.target.value)}
      onBlur={() => (v.trim() && v.trim() !== value ? onCommit(v.trim()) : onCancel())}
      onKeyDown={(e) => {
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
        if (e.key === 'Escape') onCancel();
        e.stopPropagation();
      }}
    />
  );
}

export function ScenesDock() {
  const { t } = useTranslation();
  const { scenes } = useStudio();
  const collection = useStudioState((s) => s.scene.collection);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [menu, setMenu] = useState<Menu>(null);

  const menuFor = (sceneId: string, name: string): MenuEntry[] => [
    { label: t('scenes.rename'), onClick: () => setRenaming(sceneId) },
    {
      label: t('scenes.remove'),
      danger: true,
      disabled: sceneId === collection.currentSceneId || collection.scenes.length === 1,
      onClick: () => scenes.apply({ type: 'remove_scene', sceneId }),
    },
    { label: `${t('scenes.program')}: ${name}`, onClick: () => scenes.apply({ type: 'set_current_scene', sceneId }) },
  ];

  return (
    <section className="dock" data-testid="scenes-dock">
      <div className="dock-head">
        <h2 className="panel-title">{t('scenes.title')}</h2>
        <button
          type="button"
          className="icon-btn"
          title={t('scenes.add')}
          aria-label={t('scenes.add')}
          data-testid="add-scene"
          onClick={() => scenes.addScene(t('scenes.newName', { n: collection.scenes.length + 1 }))}
        >
          +
        </button>
      </div>
      <ul className="dock-list">
        {collection.scenes.map((scene, i) => {
          const onProgram = scene.id === collection.currentSceneId;
          const onPreview = scene.id === collection.previewSceneId;
          return (
            <li
              key={scene.id}
              className={`dock-row ${onPreview || (collection.previewSceneId === null && onProgram) ? 'dock-row--selected' : ''}`}
              data-testid={`scene-${scene.id}`}
              onContextMenu={(e) => {
                e.preventDefault();
                setMenu({ x: e.clientX, y: e.clientY, entries: menuFor(scene.id, scene.name) });
              }}
            >
              {renaming === scene.id ? (
                <InlineName
                  value={scene.name}
                  onCancel={() => setRenaming(null)}
                  onCommit={(name) => {
                    scenes.apply({ type: 'rename_scene', sceneId: scene.id, name });
                    setRenaming(null);
                  }}
                />
              ) : (
                <button
                  type="button"
                  className="dock-name"
                  onClick={() => scenes.chooseScene(scene.id)}
                  onDoubleClick={() => setRenaming(scene.id)}
                  title={i < 9 ? `Ctrl+${i + 1}` : undefined}
                >
                  {onProgram && (
                    <span className="tally tally--program" title={t('scenes.program')}>
                      <span className="sr-only">{t('scenes.program')}</span>
                    </span>
                  )}
                  {onPreview && (
                    <span className="tally tally--preview" title={t('scenes.preview')}>
                      <span className="sr-only">{t('scenes.preview')}</span>
                    </span>
                  )}
                  <span className="dock-label">{scene.name}</span>
                  {i < 9 && <kbd className="dock-key">{i + 1}</kbd>}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {menu && <ContextMenu {...menu} onClose={() => setMenu(null)} />}
    </section>
  );
}

function SourceRow({
  item,
  source,
  selected,
  status,
  onMenu,
  renaming,
  setRenaming,
}: {
  item: SceneItem;
  source: Source;
  selected: boolean;
  status: string | null;
  onMenu: (x: number, y: number) => void;
  renaming: boolean;
  setRenaming: (on: boolean) => void;
}) {
  const { t } = useTranslation();
  const { scenes } = useStudio();
  const sceneId = useStudioState(selectEditSceneId);
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: item.id });
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      className={`dock-row ${selected ? 'dock-row--selected' : ''} ${isDragging ? 'dock-row--dragging' : ''} ${item.visible ? '' : 'dock-row--hidden'}`}
      data-testid={`source-row-${item.id}`}
      onContextMenu={(e) => {
        e.preventDefault();
        onMenu(e.clientX, e.clientY);
      }}
    >
      <button type="button" className="drag-handle" aria-label={t('sources.dragHint')} {...attributes} {...listeners}>
        ⋮⋮
      </button>
      {renaming ? (
        <InlineName
          value={source.name}
          onCancel={() => setRenaming(false)}
          onCommit={(name) => {
            scenes.apply({ type: 'rename_source', sourceId: source.id, name });
            setRenaming(false);
          }}
        />
      ) : (
        <button type="button" className="dock-name" onClick={() => scenes.select(item.id)} onDoubleClick={() => setRenaming(true)}>
          <span className={`kind-dot kind-dot--${source.kind}`} aria-hidden="true" />
          <span className="dock-label">{source.name}</span>
          {status && (
            <span className="dock-warn" title={t(`sources.status.${status}`)}>
              ⚠
            </span>
          )}
        </button>
      )}
      <button
        type="button"
        className={`icon-btn ${item.visible ? '' : 'icon-btn--off'}`}
        title={item.visible ? t('sources.hide') : t('sources.show')}
        aria-label={item.visible ? t('sources.hide') : t('sources.show')}
        aria-pressed={item.visible}
        data-testid={`toggle-visible-${item.id}`}
        onClick={() => scenes.apply({ type: 'set_item_visible', sceneId, itemId: item.id, visible: !item.visible })}
      >
        <Icon name={item.visible ? 'eye' : 'eyeOff'} />
      </button>
      <button
        type="button"
        className={`icon-btn ${item.locked ? 'icon-btn--on' : ''}`}
        title={item.locked ? t('sources.unlock') : t('sources.lock')}
        aria-label={item.locked ? t('sources.unlock') : t('sources.lock')}
        aria-pressed={item.locked}
        onClick={() => scenes.apply({ type: 'set_item_locked', sceneId, itemId: item.id, locked: !item.locked })}
      >
        <Icon name={item.locked ? 'lock' : 'unlock'} />
      </button>
    </li>
  );
}

export function SourcesDock() {
  const { t } = useTranslation();
  const { scenes } = useStudio();
  const collection = useStudioState((s) => s.scene.collection);
  const sceneId = useStudioState(selectEditSceneId);
  const selected = useStudioState((s) => s.scene.selectedItemId);
  const status = useStudioState((s) => s.scene.status);
  const [adding, setAdding] = useState(false);
  const [menu, setMenu] = useState<Menu>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const sensors = useSensors(useSensor(PointerSensor), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const scene = collection.scenes.find((s) => s.id === sceneId);
  // Top of the list = top of the draw order (like OBS).
  const items = [...(scene?.items ?? [])].reverse();

  const onDragEnd = (e: DragEndEvent) => {
    if (!scene || !e.over || e.active.id === e.over.id) return;
    const to = scene.items.findIndex((i) => i.id === e.over!.id);
    if (to >= 0) scenes.apply({ type: 'reorder_item', sceneId, itemId: String(e.active.id), to: { index: to } });
  };

  const menuFor = (item: SceneItem): MenuEntry[] => [
    { label: t('sources.rename'), onClick: () => setRenaming(item.id) },
    {
      label: item.visible ? t('sources.hide') : t('sources.show'),
      onClick: () => scenes.apply({ type: 'set_item_visible', sceneId, itemId: item.id, visible: !item.visible }),
    },
    {
      label: item.locked ? t('sources.unlock') : t('sources.lock'),
      onClick: () => scenes.apply({ type: 'set_item_locked', sceneId, itemId: item.id, locked: !item.locked }),
    },
    { label: t('sources.moveUp'), onClick: () => scenes.apply({ type: 'reorder_item', sceneId, itemId: item.id, to: 'up' }) },
    { label: t('sources.moveDown'), onClick: () => scenes.apply({ type: 'reorder_item', sceneId, itemId: item.id, to: 'down' }) },
    { label: t('sources.remove'), danger: true, onClick: () => scenes.removeItem(item.id) },
  ];

  return (
    <section className="dock" data-testid="sources-dock">
      <div className="dock-head">
        <h2 className="panel-title">{t('sources.title')}</h2>
        <div className="add-menu-wrap">
          <button
            type="button"
            className="icon-btn"
            title={t('sources.add')}
            aria-label={t('sources.add')}
            aria-expanded={adding}
            data-testid="add-source"
            onClick={() => setAdding((v) => !v)}
          >
            +
          </button>
          {adding && (
            <div className="add-menu" role="menu">
              {listKinds()
                .filter((k) => k.id !== 'scene')
                .map((k) => (
                  <button
                    key={k.id}
                    type="button"
                    role="menuitem"
                    className="ctx-item"
                    data-testid={`add-kind-${k.id}`}
                    onClick={() => {
                      setAdding(false);
                      scenes.addSource(k.id as SourceKindId, t(k.labelKey));
                    }}
                  >
                    <span className={`kind-dot kind-dot--${k.id}`} aria-hidden="true" /> {t(k.labelKey)}
                  </button>
                ))}
            </div>
          )}
        </div>
      </div>
      {items.length === 0 ? (
        <p className="hint dock-empty">{t('sources.empty')}</p>
      ) : (
        <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
          <SortableContext items={items.map((i) => i.id)} strategy={verticalListSortingStrategy}>
            <ul className="dock-list">
              {items.map((item) => {
                const source = collection.sources.find((s) => s.id === item.sourceId);
                if (!source) return null;
                const st = status[source.id];
                return (
                  <SourceRow
                    key={item.id}
                    item={item}
                    source={source}
                    selected={item.id === selected}
                    status={st && st.state === 'error' ? (st.messageKey ?? 'deviceFailed') : null}
                    renaming={renaming === item.id}
                    setRenaming={(on) => setRenaming(on ? item.id : null)}
                    onMenu={(x, y) => {
                      scenes.select(item.id);
                      setMenu({ x, y, entries: menuFor(item) });
                    }}
                  />
                );
              })}
            </ul>
          </SortableContext>
        </DndContext>
      )}
      {menu && <ContextMenu {...menu} onClose={() => setMenu(null)} />}
    </section>
  );
}
