/**
 * `npm run bench -- ingest-batch`: the ingest benchmark of `ingest.ts` with the
 * bodies @modelwatch/node's exporter sends — columnar batches
 * (`application/vnd.modelwatch.batch`, packages/server/docs/event-batch-format.md),
 * uncompressed as the NDJSON of `ingest.ts` is — instead of NDJSON. Same
 * records, same server, same checks; the same environment variables.
 */
import { runIngest } from './ingest.js';

export function run(): Promise<object> {
  return runIngest('batch');
}
