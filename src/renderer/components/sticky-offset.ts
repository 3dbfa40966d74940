import { useEffect, type RefObject } from 'react';

/**
 * The top bar stays in sight on every screen (a recording's marker lives in it:
 * an official reading a long answer mid-session still sees the microphone is
 * on, fifth French walk M3). Its height, which grows when a narrow window
 * wraps it, is published as `--topbar-height` so the other sticky parts (the
 * meeting's player) sit below it and scrolled-to elements are not hidden under it.
 */
export function useTopbarHeight(bar: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const element = bar.current;
    if (!element) return;
    const root = document.documentElement;
    const publish = () => root.style.setProperty('--topbar-height', `${element.offsetHeight}px`);
    publish();
    const watcher = new ResizeObserver(publish);
    watcher.observe(element);
    return () => {
      watcher.disconnect();
      root.style.removeProperty('--topbar-height');
    };
  }, [bar]);
}
