/** Page frame: header with navigation, the token prompt when the API asks for one, the main region. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getToken, onUnauthorized, setToken } from '../api.js';
import type { Route } from '../router.js';

export function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const [prompt, setPrompt] = useState<string | null>(null);
  useEffect(() => onUnauthorized((message) => setPrompt(message)), []);
  const current = (page: string) => (route.page === page || (page === 'overview' && (route.page === 'model' || route.page === 'feature')) ? 'page' : undefined);
  return (
    <>
      <header class="top">
        <div class="wrap bar">
          <a class="brand" href="/">
            <span class="logo" aria-hidden="true">◉</span> modelwatch
          </a>
          <nav aria-label="Main">
            <ul>
              <li>
                <a href="/" aria-current={current('overview')}>
                  Models
                </a>
              </li>
              <li>
                <a href="/alerts" aria-current={current('alerts')}>
                  Alerts
                </a>
              </li>
              <li>
                <a href="/docs" target="_blank" rel="noopener">
                  API docs
                </a>
              </li>
            </ul>
          </nav>
          {getToken() && (
            <button type="button" class="link small" onClick={() => setToken(null)}>
              Forget token
            </button>
          )}
        </div>
      </header>
      {prompt !== null && <TokenPrompt message={prompt} onDone={() => setPrompt(null)} />}
      <main id="main" class="wrap" tabIndex={-1}>
        {children}
      </main>
      <footer class="wrap muted small">
        Times are UTC. Numbers come from the service's stored aggregates and monitor results; hover a value for its exact number.
      </footer>
    </>
  );
}

function TokenPrompt({ message, onDone }: { message: string; onDone: () => void }) {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <section class="token-prompt wrap" aria-labelledby="token-title" role="dialog">
      <h2 id="token-title">This service needs an access token</h2>
      <p class="muted">{message}. Enter a token with the <code>read</code> scope. It is kept in this browser tab only (sessionStorage) and sent to this service alone.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!value.trim()) return;
          setToken(value.trim());
          onDone();
        }}
      >
        <label>
          Token <input ref={input} type="password" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </label>{' '}
        <button type="submit">Use token</button>
      </form>
    </section>
  );
}
