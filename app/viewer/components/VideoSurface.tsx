import { useLayoutEffect, useRef } from 'react';
import { useViewerContext } from '../context';

/** Hosts the player's <video> element (created outside React, so it survives re-renders and screens). */
export function VideoSurface({ hidden }: { hidden: boolean }) {
  const { video } = useViewerContext();
  const host = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    el.appendChild(video);
    return () => {
      if (video.parentElement === el) el.removeChild(video);
    };
  }, [video]);
  return <div ref={host} className="video-host" hidden={hidden} />;
}
