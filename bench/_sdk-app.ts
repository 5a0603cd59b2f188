/**
 * The tiny Fastify model server of `bench/sdk.ts`, run as its own process:
 * `node --import tsx bench/_sdk-app.ts MODE [SERVICE_URL]` prints `listening URL`.
 * MODE: `bare` (no instrumentation), `metrics` (@modelwatch/node plugin, no
 * exporter), `export` (plugin + exporter to modelwatch serve at SERVICE_URL).
 * The model is the representative small predict function of `_sdk-model.ts`.
 */
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { Exporter, modelwatchFastify } from '@modelwatch/node';
import { FEATURES, predict } from './_sdk-model.js';
import type { FlightInput } from './_sdk-model.js';

const [mode, serviceUrl] = process.argv.slice(2);
if (!['bare', 'metrics', 'export'].includes(mode)) throw new Error(`mode: bare | metrics | export (got ${mode})`);
const app = Fastify({ logger: false });
let exporter: Exporter | undefined;
if (mode !== 'bare') {
  const registry = new Registry();
  exporter = mode === 'export' ? new Exporter({ url: serviceUrl, registry }) : undefined;
  await app.register(modelwatchFastify, { model: 'flights', task: 'binary', features: FEATURES, registry, exporter, metrics: true, depsHash: 'bench' });
}
const body = {
  type: 'object',
  required: ['hour', 'weekday', 'distance', 'origin', 'dest'],
  properties: { hour: { type: 'integer' }, weekday: { type: 'integer' }, distance: { type: 'number' }, origin: { type: 'string' }, dest: { type: 'string' } },
};
app.post('/predict', { schema: { body }, config: mode === 'bare' ? {} : { modelwatch: true } }, async (request) => predict(request.body as FlightInput));
app.get('/stats', async () => ({ exporter: exporter?.stats() ?? [] }));
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
process.stdout.write(`listening http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await app.close();
    await exporter?.close();
    process.exit(0);
  })();
});
