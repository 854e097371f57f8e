import { useEffect, useState } from 'react';

/**
 * The time of this render, and a render every `everyMs` (default a minute) even when nothing else changes, so
 * "synced 3 min ago" stays true on a page left open.
 */
export function useNow(everyMs = 60_000): Date {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((tick) => tick + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return new Date();
}
