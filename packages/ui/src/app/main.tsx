/**
 * The modelwatch dashboard: a small Preact app served by `modelwatch serve`
 * at `/`, reading the service's JSON API (same origin). Built by Vite into
 * `packages/ui/dist-app/` (`npm run build`).
 */
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import './styles.css';
import { Layout } from './components/Layout.js';
import { AlertsPage } from './pages/Alerts.js';
import { FeaturePage } from './pages/Feature.js';
import { ModelPage } from './pages/Model.js';
import { OverviewPage } from './pages/Overview.js';
import { onLinkClick, parseRoute, useLocation } from './router.js';

function App() {
  const loc = useLocation();
  const route = parseRoute(loc.pathname);
  useEffect(() => {
    const t = route.page === 'model' ? route.model : route.page === 'feature' ? `${route.feature} · ${route.model}` : route.page === 'alerts' ? 'Alerts' : route.page === 'not_found' ? 'Not found' : 'Models';
    document.title = `${t} — modelwatch`;
  }, [loc.pathname]);
  let page;
  switch (route.page) {
    case 'overview':
      page = <OverviewPage />;
      break;
    case 'model':
      page = <ModelPage key={route.model} model={route.model} />;
      break;
    case 'feature':
      page = <FeaturePage key={`${route.model}/${route.feature}`} model={route.model} feature={route.feature} />;
      break;
    case 'alerts':
      page = <AlertsPage />;
      break;
    default:
      page = (
        <>
          <h1>Page not found</h1>
          <p>
            Nothing at <code>{route.path}</code>. <a href="/">All models</a>
          </p>
        </>
      );
  }
  return <Layout route={route}>{page}</Layout>;
}

document.addEventListener('click', onLinkClick);
const root = document.getElementById('app')!;
root.replaceChildren();
render(<App />, root);
