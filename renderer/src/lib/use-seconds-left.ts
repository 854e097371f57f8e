import { useEffect, useState } from 'react';

/**
 * Whole seconds left until `until` (epoch ms), re-rendered every second while it counts, so a message such as
 * "hidden in 23 s" counts down on screen instead of repeating the delay it started with. Null when nothing counts.
 */
export function useSecondsLeft(until: number | null): number | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (until === null) return;
    const timer = setInterval(() => setTick((tick) => tick + 1), 1000);
    return () => clearInterval(timer);
  }, [until]);
  if (until === null) return null;
  return Math.max(0, Math.ceil((until - Date.now()) / 1000));
}
