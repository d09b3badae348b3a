import { useEffect, useLayoutEffect, useRef, useState } from 'react';
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

/**
 * Hosts the player's <video> element (created outside React, so it survives re-renders and screens). A landscape
 * show on a phone-width screen sits at full width over a blurred, darkened copy of the same stream instead of black
 * bars; the copy plays the player's MediaStream (no second decode) and only while it is needed.
 */
export function VideoSurface({ hidden }: { hidden: boolean }) {
  const { video } = useViewerContext();
  const host = useRef<HTMLDivElement>(null);
  const fill = useRef<HTMLVideoElement>(null);
  const landscape = useViewer((s) => (s.videoSize ? s.videoSize.width > s.videoSize.height : false));
  const phone = usePhoneWidth();
  const withFill = landscape && phone && !hidden;

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
