import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useViewer, useViewerContext } from '../context';

const PHONE_QUERY = '(max-width: 1023px)';

function usePhoneWidth(): boolean {
  const [phone, setPhone] = useState(() => typeof matchMedia === 'function' && matchMedia(PHONE_QUERY).matches);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const mq = matchMedia(PHONE_QUERY);
    const on = () => setPhone(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return phone;
}

/** Bands narrower than this (rounding of the stage's size to the picture) need no fill. */
const BAND_PX = 2;

/**
 * Whether the picture, contained in the host, leaves bands: on a desktop the stage is sized to the picture
 * (styles.css), so only a window that cannot give it its shape (too short for a portrait column) does.
 */
function useBands(host: RefObject<HTMLDivElement | null>, watch: boolean): boolean {
  const size = useViewer((s) => s.videoSize);
  const [box, setBox] = useState<{ width: number; height: number } | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!watch || !el || typeof ResizeObserver !== 'function') return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setBox({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [host, watch]);
  if (!watch || !box || !size?.width || !size.height || !box.width || !box.height) return false;
  const scale = Math.min(box.width / size.width, box.height / size.height);
  return box.width - size.width * scale > BAND_PX || box.height - size.height * scale > BAND_PX;
}

/**
 * Hosts the player's <video> element (created outside React, so it survives re-renders and screens). A picture
 * that leaves bands sits over a blurred, darkened copy of the same stream instead of black bars: a landscape show
 * on a phone-width screen (at full width), or on a desktop a picture whose window cannot give the stage its shape.
 * The copy plays the player's MediaStream (no second decode) and only while it is needed.
 */
export function VideoSurface({ hidden }: { hidden: boolean }) {
  const { video } = useViewerContext();
  const host = useRef<HTMLDivElement>(null);
  const fill = useRef<HTMLVideoElement>(null);
  const landscape = useViewer((s) => (s.videoSize ? s.videoSize.width > s.videoSize.height : false));
  const phone = usePhoneWidth();
  const bands = useBands(host, !phone && !hidden);
  const withFill = (phone ? landscape : bands) && !hidden;

  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    el.appendChild(video);
    return () => {
      if (video.parentElement === el) el.removeChild(video);
    };
  }, [video]);

  useEffect(() => {
    const f = fill.current;
    if (!f) return;
    if (!withFill) {
      f.srcObject = null;
      return;
    }
    // Follow the player's stream across rejoins (a new srcObject runs the load algorithm: loadstart).
    const follow = () => {
      const stream = video.srcObject instanceof MediaStream ? video.srcObject : null;
      if (f.srcObject !== stream) f.srcObject = stream;
      if (stream) void f.play().catch(() => {});
    };
    follow();
    video.addEventListener('loadstart', follow);
    video.addEventListener('playing', follow);
    return () => {
      video.removeEventListener('loadstart', follow);
      video.removeEventListener('playing', follow);
      f.srcObject = null;
    };
  }, [video, withFill]);

  return (
    <div ref={host} className="video-host" hidden={hidden}>
      <video ref={fill} className="stage-video-fill" muted playsInline tabIndex={-1} hidden={!withFill} />
    </div>
  );
}
