/**
 * The service's API from the browser: same origin, JSON, an optional bearer
 * token. When the service has tokens configured, the first 401 shows a token
 * prompt; the token is kept in `sessionStorage` (this tab only, gone when it
 * closes) and sent as `Authorization: Bearer …`.
 */
import { useEffect, useState } from 'preact/hooks';

const TOKEN_KEY = 'modelwatch.token';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lives as long as the page.
  }
  memoryToken = token;
  for (const l of authListeners) l();
}

let memoryToken: string | null = null;
const authListeners = new Set<() => void>();

/** An error answer of the API: status, stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(): Record<string, string> {
  const token = getToken() ?? memoryToken;
  return token ? { authorization: `Bearer ${token}`, accept: 'application/json' } : { accept: 'application/json' };
}

/** Fetches a URL of the API; non-2xx answers throw an {@link ApiError} with the service's message. */
export async function apiFetch(url: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(url, { headers: headers(), signal, credentials: 'omit' });
  if (!res.ok) {
    let code = 'http_error';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: string; message?: string };
      if (body.error) code = body.error;
      if (body.message) message = body.message;
    } catch {
      // Not JSON: keep the status line.
    }
    if (res.status === 401) for (const l of unauthorizedListeners) l(message);
    throw new ApiError(res.status, code, message);
  }
  return res;
}

export async function apiJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  return (await (await apiFetch(url, signal)).json()) as T;
}

const unauthorizedListeners = new Set<(message: string) => void>();

/** Calls `fn` whenever the API answers 401 (the token prompt listens). */
export function onUnauthorized(fn: (message: string) => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** Re-renders when the token changes (so pages refetch). */
export function useAuthVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => {
    const l = () => setV((x) => x + 1);
    authListeners.add(l);
    return () => {
      authListeners.delete(l);
    };
  }, []);
  return v;
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  /** Fetch again (the data stays shown meanwhile). */
  reload: () => void;
}

/** Fetches JSON for the current URL(s); a new URL aborts the previous request. `null` URLs fetch nothing. */
export function useApi<T>(url: string | null): Loaded<T> {
  const auth = useAuthVersion();
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ url: string | null; data: T | null; error: Error | null; loading: boolean }>({ url: null, data: null, error: null, loading: url !== null });
  useEffect(() => {
    if (url === null) {
      setState({ url, data: null, error: null, loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ url, data: s.url === url ? s.data : null, error: null, loading: true }));
    apiJson<T>(url, ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setState({ url, data, error: null, loading: false });
      },
      (error: Error) => {
        if (!ctl.signal.aborted) setState({ url, data: null, error, loading: false });
      },
    );
    return () => ctl.abort();
  }, [url, auth, tick]);
  return { data: state.url === url ? state.data : null, error: state.error, loading: state.loading, reload: () => setTick((t) => t + 1) };
}

/** Calls `reload` every `ms` while `enabled` (live ranges that end now) and the tab is visible. */
export function useAutoRefresh(reload: () => void, enabled: boolean, ms = 60_000): void {
  useEffect(() => {
    if (!enabled) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => window.clearInterval(timer);
  }, [enabled, ms]);
}
