/** Show lineup: the current show's products in presentation order (drag to reorder, add, remove); saved at once. */
import { closestCenter, DndContext, type DragEndEvent, KeyboardSensor, PointerSensor, useSensor, useSensors } from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useTranslation } from 'react-i18next';
import type { ProductView } from '../../../../shared/commerce/catalog';
import { formatMoneyRange } from '../../../ui/format';
import { useStudio, useStudioState } from '../../context';
import { addToLineup, moveId, priceRange, removeFromLineup } from '../../controllers/catalog';
import { FailureText, ServerImage } from './common';

function LineupItem({
  product,
  index,
  count,
  disabled,
  onMove,
  onRemove,
}: {
  product: ProductView;
  index: number;
  count: number;
  disabled: boolean;
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: product.id, disabled });
  const range = priceRange(product);
  return (
    <li
      ref={setNodeRef}
      className={`lineup-item ${isDragging ? 'lineup-item--dragging' : ''} ${product.status === 'archived' ? 'row--muted' : ''}`}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      data-testid="lineup-item"
      data-product-id={product.id}
    >
      <button type="button" className="drag-handle" aria-label={t('lineup.drag', { title: product.title })} {...attributes} {...listeners}>
        ⋮⋮
      </button>
      <span className="lineup-pos">{index + 1}</span>
      <ServerImage className="lineup-thumb" path={product.images[0]?.thumbUrl} alt="" />
      <div className="lineup-info">
        <span className="lineup-name" title={product.title}>
          {product.title}
        </span>
        <span className="hint">
          {range ? formatMoneyRange(range.min, range.max, product.currency, i18n.language) : '—'}
          {product.status === 'archived' && ` · ${t('products.status.archived')}`}
        </span>
      </div>
      <div className="lineup-actions">
        <button
          type="button"
          className="icon-btn icon-btn--small"
          aria-label={t('lineup.up')}
          disabled={disabled || index === 0}
          onClick={() => onMove(index - 1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="icon-btn icon-btn--small"
          aria-label={t('lineup.down')}
          disabled={disabled || index === count - 1}
          onClick={() => onMove(index + 1)}
        >
          ↓
        </button>
        <button type="button" className="icon-btn icon-btn--small" aria-label={t('lineup.remove')} disabled={disabled} onClick={onRemove}>
          ×
        </button>
      </div>
    </li>
  );
}

export function LineupPanel() {
  const { t } = useTranslation();
  const { shop } = useStudio();
  const lineup = useStudioState((s) => s.lineup);
  const products = useStudioState((s) => s.catalog.products);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const byId = new Map(products.map((p) => [p.id, p]));
  const items = lineup.productIds.map((id) => byId.get(id)).filter((p): p is ProductView => !!p);
  const addable = products.filter((p) => p.status === 'active' && !lineup.productIds.includes(p.id));
  const busy = lineup.saving;

  const onDragEnd = (e: DragEndEvent) => {
    const over = e.over?.id;
    if (over === undefined || over === e.active.id) return;
    void shop.setLineup(moveId(lineup.productIds, String(e.active.id), String(over)));
  };

  return (
    <section className="panel" data-testid="lineup">
      <div className="panel-head">
        <h2 className="panel-title">{t('lineup.title')}</h2>
        {busy && <span className="hint">{t('shop.saving')}</span>}
      </div>
      {!lineup.showId ? (
        <p className="hint">{t('lineup.noShow')}</p>
      ) : (
        <>
          <p className="hint">{t('lineup.hint')}</p>
          {lineup.status === 'loading' && <p className="hint">{t('shop.loading')}</p>}
          {items.length === 0 && lineup.status === 'ready' && <p className="hint">{t('lineup.empty')}</p>}
          <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
            <SortableContext items={lineup.productIds} strategy={verticalListSortingStrategy}>
              <ol className="lineup-list">
                {items.map((p, i) => (
                  <LineupItem
                    key={p.id}
                    product={p}
                    index={i}
                    count={items.length}
                    disabled={busy}
                    onMove={(to) => {
                      const target = items[to];
                      if (target) void shop.setLineup(moveId(lineup.productIds, p.id, target.id));
                    }}
                    onRemove={() => void shop.setLineup(removeFromLineup(lineup.productIds, p.id))}
                  />
                ))}
              </ol>
            </SortableContext>
          </DndContext>
          {addable.length > 0 && (
            <select
              className="input"
              aria-label={t('lineup.add')}
              value=""
              disabled={busy}
              data-testid="lineup-add"
              onChange={(e) => e.target.value && void shop.setLineup(addToLineup(lineup.productIds, e.target.value))}
            >
              <option value="">{t('lineup.add')}</option>
              {addable.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                </option>
              ))}
            </select>
          )}
          <FailureText failure={lineup.error} />
        </>
      )}
    </section>
  );
}
