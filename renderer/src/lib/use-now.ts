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

/**
 * A time that changes only every `everyMs` (default a minute): the same Date object for every render in between, so
 * components memoised on it (the inventory's rows) are not drawn again by a render that changes nothing they show.
 */
export function useClock(everyMs = 60_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
