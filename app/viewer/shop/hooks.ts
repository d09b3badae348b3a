import { useEffect, useState } from 'react';
import { useViewer } from '../context';

/** Server time (local clock + measured skew), re-rendering every `everyMs` while `ticking`. */
export function useServerNow(ticking: boolean, everyMs = 1000): number {
  const skew = useViewer((s) => s.clockSkewMs);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [ticking, everyMs]);
  return now + skew;
}
