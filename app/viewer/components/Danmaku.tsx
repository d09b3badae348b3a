import type { CSSProperties } from 'react';
import { useLayoutEffect, useRef } from 'react';
import { useViewer, useViewerContext } from '../context';

/**
 * Danmaku layer over the video: renders the items the danmaku controller placed (text children only) and reports the
 * layer's width so the controller can schedule lanes. The flight itself is a CSS animation.
 */
export function Danmaku() {
  const { danmaku } = useViewerContext();
  const enabled = useViewer((s) => s.danmaku.enabled);
  const items = useViewer((s) => s.danmakuItems);
  const layer = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const el = layer.current;
    if (!el || !danmaku) return;
    danmaku.setStageWidth(el.clientWidth);
    const ro = new ResizeObserver(() => danmaku.setStageWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [danmaku]);

  return (
    <div className="danmaku" ref={layer} hidden={!enabled} aria-hidden data-testid="danmaku">
      {items.map((d) => (
        <span
          key={d.id}
          className={`danmaku-item${d.own ? ' danmaku-item--own' : ''}`}
          style={{ '--lane': d.lane, '--dur': `${d.durationMs}ms` } as CSSProperties}
          data-testid="danmaku-item"
        >
          {d.text}
        </span>
      ))}
    </div>
  );
}
