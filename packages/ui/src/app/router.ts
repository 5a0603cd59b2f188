/**
 * Client-side routing over the History API: real paths (`/models/fraud`),
 * which the service answers with the app's `index.html`, so every page has a
 * URL that can be bookmarked, shared and reloaded. Links are ordinary `<a
 * href>` elements (keyboard and middle-click work); a plain left click is
 * turned into `pushState` instead of a page load.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'overview' }
  | { page: 'model'; model: string }
  | { page: 'feature'; model: string; feature: string }
  | { page: 'alerts' }
  | { page: 'not_found'; path: string };

/** Decodes one path segment; malformed escapes are kept as typed. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route of a path. */
export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p, i) => i > 0 || p !== '');
  const seg = parts.filter((p) => p !== '');
  if (seg.length === 0) return { page: 'overview' };
  if (seg[0] === 'models') {
    if (seg.length === 1) return { page: 'overview' };
    if (seg.length === 2) return { page: 'model', model: decode(seg[1]) };
    if (seg.length === 4 && seg[2] === 'features') return { page: 'feature', model: decode(seg[1]), feature: decode(seg[3]) };
  }
  if (seg[0] === 'alerts' && seg.length === 1) return { page: 'alerts' };
  return { page: 'not_found', path: pathname };
}

/** Path of a model page. */
export const modelPath = (model: string) => `/models/${encodeURIComponent(model)}`;
/** Path of a feature page. */
export const featurePath = (model: string, feature: string) => `${modelPath(model)}/features/${encodeURIComponent(feature)}`;

const listeners = new Set<() => void>();

/** Goes to a URL of the app without reloading (`replace` keeps the history entry). */
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
  if (!replace) window.scrollTo(0, 0);
}

/** The current location, re-rendering on navigation and on back/forward. */
export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

/** Click handler for links inside the app: same-origin, plain left clicks navigate in place. */
export function onLinkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/v1/') || url.pathname.startsWith('/docs')) return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}
