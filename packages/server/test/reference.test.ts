/**
 * Model references over HTTP and from the configuration: every file format
 * (written with DuckDB's COPY … TO), profiles equal to the core's profile of the
 * same data read independently, schema inference, errors (format, columns,
 * size, emptiness, paths), durability across restarts, sampling, configured
 * reference files loaded at start (and not again while unchanged), and the
 * flights data of January 2001.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { dictColumn, inferSchema, numberColumn, profile, tableFromRows } from '@modelwatch/core';
import type { Column, DictColumn, Profile, RoleHints, Schema, Table } from '@modelwatch/core';
import { ConfigError, createServer, resolveConfig } from '../src/index.js';
import { referenceWorkerStats } from '../src/reference/prepare-thread.js';
import type { ModelwatchServer } from '../src/index.js';
import { SCHEMA, tempDir } from './helpers/fixtures.js';

type Inject = ModelwatchServer['app']['inject'];
type Res = Awaited<ReturnType<Inject>>;

function json(res: Res): any {
  assert.match(String(res.headers['content-type']), /application\/json/, res.body);
  return JSON.parse(res.body);
}

function errorBody(res: Res, status: number, code: string) {
  assert.equal(res.statusCode, status, res.body);
  const body = json(res);
  assert.equal(body.error, code, res.body);
  assert.ok(typeof body.message === 'string' && body.message.length > 0);
  return body;
}

async function server(dir: string, raw: Record<string, unknown> = {}): Promise<ModelwatchServer> {
  const config = resolveConfig(
    { ...raw, server: { dataDir: join(dir, 'data'), bodyLimit: '64kb', port: 0, ...((raw.server as object) ?? {}) } },
    { baseDir: dir, env: { MW_READ: 'read-token-0123456789', MW_WRITE: 'write-token-0123456789' } },
  );
  return createServer({ config, defaultMetrics: false });
}

const ROWS = 3000;

/** Rows for SCHEMA (amount, country, is_new, signup, pred, p_fraud, channel, label) plus two columns outside it (i, note). */
const SOURCE_SQL = `
  SELECT CAST(i AS INTEGER) AS i,
    CASE WHEN i % 50 = 0 THEN NULL ELSE CAST((i * 7919) % 10007 AS DOUBLE) / 100 END AS amount,
    CASE WHEN i % 37 = 0 THEN NULL ELSE ['NL', 'DE', 'FR', 'Zürich', 'São Paulo', 'a country whose name is long'][1 + (i * 13) % 6] END AS country,
    CASE WHEN i % 41 = 0 THEN NULL ELSE i % 3 = 0 END AS is_new,
    TIMESTAMP '2023-01-01 00:00:00' + to_seconds(i * 3671) AS signup,
    CAST(i % 2 AS INTEGER) AS pred,
    CAST(i % 10 AS DOUBLE) / 10 AS p_fraud,
    ['web', 'app', 'store'][1 + i % 3] AS channel,
    CAST((i * 7) % 3 = 0 AS INTEGER) AS label,
    'free text that is not part of the schema, row ' || i AS note
  FROM range(${ROWS}) t(i)`;

interface Files {
  csv: string;
  tsv: string;
  parquet: string;
  ndjson: string;
  json: string;
  csvGz: string;
}

async function withDuckDB<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return await fn(conn);
  } finally {
    conn.disconnectSync();
    instance.closeSync();
  }
}

/** Writes the source rows in every format with DuckDB's COPY … TO. */
async function writeFiles(dir: string, sql = SOURCE_SQL, prefix = 'ref'): Promise<Files> {
  const files: Files = {
    csv: join(dir, `${prefix}.csv`),
    tsv: join(dir, `${prefix}.tsv`),
    parquet: join(dir, `${prefix}.parquet`),
    ndjson: join(dir, `${prefix}.ndjson`),
    json: join(dir, `${prefix}.json`),
    csvGz: join(dir, `${prefix}.csv.gz`),
  };
  await withDuckDB(async (c) => {
    await c.run(`CREATE TABLE src AS ${sql}`);
    const copy = (path: string, options: string) => c.run(`COPY (SELECT * FROM src ORDER BY i) TO '${path.replaceAll("'", "''")}' (${options})`);
    await copy(files.csv, 'FORMAT csv, HEADER');
    await copy(files.tsv, "FORMAT csv, HEADER, DELIMITER '\t'");
    await copy(files.parquet, 'FORMAT parquet');
    await copy(files.ndjson, 'FORMAT json');
    await copy(files.json, 'FORMAT json, ARRAY true');
    await copy(files.csvGz, "FORMAT csv, HEADER, COMPRESSION 'gzip'");
  });
  return files;
}

/** Dictionary columns re-encoded with their dictionary in code point order (the order the reader uses). */
function sortDictionaries(t: Table): Table {
  const columns = t.columns.map((c): Column => {
    if (c.type !== 'dict') return c;
    const values = Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]));
    const dict = [...new Set(values.filter((v): v is string => v !== null))].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const index = new Map(dict.map((v, i) => [v, i]));
    const out: DictColumn = { type: 'dict', codes: Int32Array.from(values, (v) => (v === null ? -1 : index.get(v)!)), dictionary: dict };
    if (c.typeViolations) out.typeViolations = c.typeViolations;
    return out;
  });
  return { ...t, columns };
}

/** The source rows read independently: DuckDB's JS values → the core's `tableFromRows`. */
async function independentTable(sql = SOURCE_SQL): Promise<Table> {
  const rows = await withDuckDB(async (c) => (await c.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY i`)).getRowObjectsJS());
  return sortDictionaries(tableFromRows(rows as Record<string, unknown>[]));
}

/** A profile without the fields that differ between two runs over the same data. */
function comparable(p: Profile): Omit<Profile, 'createdAt' | 'source'> {
  const { createdAt: _c, source: _s, ...rest } = JSON.parse(JSON.stringify(p)) as Profile;
  return rest;
}

describe('reference upload: every format', () => {
  const tmp = tempDir();
  let s: ModelwatchServer;
  let files: Files;
  let expected: Profile;

  before(async () => {
    files = await writeFiles(tmp.dir);
    expected = profile(await independentTable(), { schema: SCHEMA });
    s = await server(tmp.dir);
    const res = await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA, versions: ['v1'] } });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  const cases: [keyof Files, string, string][] = [
    ['csv', 'text/csv', 'csv'],
    ['tsv', 'text/tab-separated-values', 'tsv'],
    ['parquet', 'application/vnd.apache.parquet', 'parquet'],
    ['ndjson', 'application/x-ndjson', 'ndjson'],
    ['json', 'application/json', 'json'],
    ['csvGz', 'text/csv', 'csv'],
    // The content decides: octet-stream and no Content-Type.
    ['parquet', 'application/octet-stream', 'parquet'],
    ['ndjson', 'application/octet-stream', 'ndjson'],
    ['json', '', 'json'],
    ['tsv', 'application/octet-stream', 'tsv'],
    ['csvGz', 'application/octet-stream', 'csv'],
  ];
  for (const [file, contentType, format] of cases) {
    test(`${file} as ${contentType || 'no Content-Type'}: the stored profile equals the core's profile of the same rows`, async () => {
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      const res = await s.app.inject({ method: 'PUT', url: '/v1/models/fraud/reference', headers, payload: readFileSync(files[file]) });
      const body = json(res);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(body.format, format);
      assert.equal(body.compression, file === 'csvGz' ? 'gzip' : null);
      assert.equal(body.rows, ROWS);
      assert.equal(body.keptRows, ROWS);
      assert.equal(body.sampledFrom, null);
      assert.equal(body.schemaInferred, false);
      assert.equal(body.modelCreated, false);
      assert.deepEqual(body.schema, { ...SCHEMA });
      assert.deepEqual(body.ignoredColumns, ['i', 'note']);
      assert.deepEqual(body.absentColumns, []);
      assert.deepEqual(body.columns.map((c: { name: string }) => c.name), SCHEMA.columns.map((c) => c.name));
      const amount = body.columns.find((c: { name: string }) => c.name === 'amount');
      assert.equal(amount.missing, ROWS / 50);
      assert.equal(amount.mean, expected.columns[0].kind === 'numeric' ? expected.columns[0].mean : NaN);

      const got = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference' }));
      assert.equal(got.rows, ROWS);
      assert.equal(got.source, 'upload');
      assert.deepEqual(comparable(got.profile), comparable(expected));
      // The bare profile, as `modelwatch profile` writes it.
      const bare = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference?view=profile' }));
      assert.equal(bare.kind, 'modelwatch.profile');
      assert.deepEqual(bare, got.profile);

      // The provider serves the rows in the store's forms, and they carry the same data.
      const ref = await s.references.get('fraud');
      assert.ok(ref && ref.table);
      assert.deepEqual(ref.table.names, SCHEMA.columns.map((c) => c.name));
      assert.deepEqual(ref.table.columns.map((c) => c.type), ['number', 'dict', 'dict', 'number', 'dict', 'number', 'dict', 'dict']);
      const isNew = ref.table.columns[2] as DictColumn;
      assert.deepEqual(isNew.dictionary, ['false', 'true']);
      assert.deepEqual(comparable(profile(ref.table, { schema: SCHEMA })), comparable(expected));
    });
  }

  test('a body larger than server.bodyLimit (64kb) is accepted on this route', async () => {
    const size = readFileSync(files.csv).length;
    assert.ok(size > 64 * 1024, `the CSV has ${size} bytes`);
    // (every upload above is larger than the general limit)
    const res = await s.app.inject({ method: 'PUT', url: '/v1/models/fraud/reference', headers: { 'content-type': 'text/csv' }, payload: readFileSync(files.csv) });
    assert.equal(res.statusCode, 200, res.body);
  });

  test('files are read and profiled on the worker thread', () => {
    const stats = referenceWorkerStats();
    assert.equal(stats.unavailable, false);
    assert.ok(stats.offThread >= cases.length, JSON.stringify(stats));
  });

  test('uploads leave no temporary files behind', async () => {
    const dir = join(tmp.dir, 'data', 'tmp');
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('reference upload: schema inference', () => {
  const tmp = tempDir();
  let s: ModelwatchServer;
  let files: Files;

  before(async () => {
    files = await writeFiles(tmp.dir);
    s = await server(tmp.dir);
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  test('a model without a schema is created with the schema inferred from its reference and the roles given', async () => {
    const hints: RoleHints = { target: 'label', prediction: 'pred', scores: ['p_fraud'], segments: ['channel'] };
    const res = await s.app.inject({
      method: 'PUT',
      url: '/v1/models/inferred/reference?target=label&prediction=pred&scores=p_fraud&segments=channel',
      headers: { 'content-type': 'application/vnd.apache.parquet' },
      payload: readFileSync(files.parquet),
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = json(res);
    assert.equal(body.modelCreated, true);
    assert.equal(body.schemaInferred, true);
    const independent = await independentTable();
    const schema: Schema = inferSchema(independent, hints);
    assert.deepEqual(body.schema, schema);
    const roles = Object.fromEntries(schema.columns.map((c) => [c.name, c.role]));
    assert.equal(roles.label, 'target');
    assert.equal(roles.i, 'id');
    assert.equal(roles.signup, 'timestamp');
    const model = json(await s.app.inject({ method: 'GET', url: '/v1/models/inferred' }));
    assert.deepEqual(model.schema.columns, schema.columns);
    assert.equal(model.task, schema.task);
    const got = json(await s.app.inject({ method: 'GET', url: '/v1/models/inferred/reference' }));
    assert.equal(got.schemaInferred, true);
    assert.deepEqual(comparable(got.profile), comparable(profile(independent, { schema })));
    // The registered model takes events.
    const ev = await s.app.inject({
      method: 'POST',
      url: '/v1/models/inferred/events',
      payload: [{ id: 'e1', ts: '2024-01-01T00:00:00Z', version: 'v1', features: { amount: 12.5, country: 'NL', is_new: true, note: 'x' }, prediction: 1, scores: { p_fraud: 0.9 }, tags: { channel: 'web' } }],
    });
    assert.equal(ev.statusCode, 200, ev.body);
    assert.equal(json(ev).inserted, 1);
  });

  test('a role naming an absent column is refused', async () => {
    const body = errorBody(
      await s.app.inject({ method: 'PUT', url: '/v1/models/other/reference?target=nope', headers: { 'content-type': 'text/csv' }, payload: readFileSync(files.csv) }),
      400,
      'bad_request',
    );
    assert.match(body.message, /target: no column "nope"/);
    assert.equal((await s.app.inject({ method: 'GET', url: '/v1/models/other' })).statusCode, 404);
  });
});

describe('reference upload: errors', () => {
  const tmp = tempDir();
  const allowed = join(tmp.dir, 'allowed');
  const outside = join(tmp.dir, 'outside');
  let s: ModelwatchServer;
  let files: Files;
  let outsideFiles: Files;

  before(async () => {
    mkdirSync(allowed);
    mkdirSync(outside);
    files = await writeFiles(allowed);
    outsideFiles = await writeFiles(outside);
    symlinkSync(outsideFiles.csv, join(allowed, 'link.csv'));
    mkdirSync(join(allowed, 'dir.csv'));
    writeFileSync(join(allowed, 'empty.csv'), '');
    s = await server(tmp.dir, { references: { maxBytes: '200kb', paths: ['allowed'] } });
    const res = await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA } });
    assert.equal(res.statusCode, 201);
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  const put = (payload: string | Buffer | object, headers: Record<string, string> = {}, query = '') =>
    s.app.inject({ method: 'PUT', url: `/v1/models/fraud/reference${query}`, headers, payload: payload as string });

  test('unknown formats: a bad ?format, an unsupported Content-Type, binary content that is not Parquet', async () => {
    assert.match(errorBody(await put('a,b\n1,2\n', { 'content-type': 'text/csv' }, '?format=xml'), 400, 'bad_request').message, /format: expected one of csv, tsv, parquet, ndjson, json/);
    assert.match(errorBody(await put('<x/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type').message, /application\/xml/);
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256));
    assert.match(errorBody(await put(binary, { 'content-type': 'application/octet-stream' }), 415, 'unsupported_media_type').message, /unrecognised format/);
    assert.match(errorBody(await put('amount,country\n1,NL\n', { 'content-type': 'application/vnd.apache.parquet' }), 422, 'invalid_reference').message, /not a Parquet file/);
    assert.match(errorBody(await put('[{"amount": 1}, {"amount": ', { 'content-type': 'application/json' }), 422, 'invalid_reference').message, /cannot read as a JSON array/);
    errorBody(await put('a,b\n', { 'content-type': 'text/csv' }, '?colour=red'), 400, 'bad_request');
  });

  test('columns of the schema absent from the reference are named', async () => {
    const csv = 'country,is_new,pred\nNL,true,1\nDE,false,0\n';
    const body = errorBody(await put(csv, { 'content-type': 'text/csv' }), 422, 'missing_columns');
    assert.match(body.message, /"amount", "signup"/);
    assert.deepEqual(body.details.missing, ['amount', 'signup']);
    // Optional roles (prediction, score, segment, target) may be absent: they are listed.
    const ok = json(await put('amount,country,is_new,signup\n1.5,NL,true,2024-01-01 10:00:00\n2.5,DE,false,2024-01-02 11:00:00\n', { 'content-type': 'text/csv' }));
    assert.deepEqual(ok.absentColumns, ['pred', 'p_fraud', 'channel', 'label']);
    assert.equal(ok.rows, 2);
    // A column whose values are all of the wrong kind is refused.
    const wrong = errorBody(await put('amount,country,is_new,signup\nabc,NL,true,2024-01-01\nxyz,DE,false,2024-01-02\n', { 'content-type': 'text/csv' }), 422, 'invalid_reference');
    assert.match(wrong.message, /column "amount": the schema says numeric, but none of its 2 values is one/);
  });

  test('roles for a model that has a schema are refused, not ignored', async () => {
    const body = errorBody(await put('amount,country,is_new,signup\n1,NL,true,2024-01-01\n', { 'content-type': 'text/csv' }, '?target=label&task=binary'), 400, 'bad_request');
    assert.match(body.message, /^target, task: roles and task apply when the schema is inferred/);
  });

  test('wide files: inference takes at most 2000 columns; with a schema only its columns are read', async () => {
    const names = Array.from({ length: 2001 }, (_, i) => `c${i}`);
    const wide = `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`;
    const body = errorBody(
      await s.app.inject({ method: 'PUT', url: '/v1/models/wide/reference', headers: { 'content-type': 'text/csv' }, payload: wide }),
      422,
      'invalid_reference',
    );
    assert.match(body.message, /2001 columns; a schema takes at most 2000/);
    const withSchema = `amount,country,is_new,signup,${names.join(',')}\n1.5,NL,true,2024-01-01,${names.map((_, i) => i).join(',')}\n`;
    const ok = json(await put(withSchema, { 'content-type': 'text/csv' }));
    assert.equal(ok.rows, 1);
    assert.equal(ok.ignoredColumns.length, 2001);
    assert.deepEqual(ok.columns.map((c: { name: string }) => c.name), ['amount', 'country', 'is_new', 'signup']);
  });

  test('empty references: no body, a header without rows, white space', async () => {
    errorBody(await put('', { 'content-type': 'text/csv' }), 422, 'empty_reference');
    assert.match(errorBody(await put('amount,country,is_new,signup\n', { 'content-type': 'text/csv' }), 422, 'empty_reference').message, /no rows/);
    errorBody(await put('   \n\n', { 'content-type': 'application/octet-stream' }), 422, 'empty_reference');
  });

  test('too large: 413 by Content-Length, and while streaming a body without one; nothing is kept', async () => {
    const before = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference' }));
    const big = readFileSync(files.json);
    assert.ok(big.length > 200 * 1024);
    assert.match(errorBody(await put(big, { 'content-type': 'application/json' }), 413, 'payload_too_large').message, /204800 bytes/);
    // A chunked upload (no Content-Length) over a real socket is cut off at the limit.
    const url = await s.listen();
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/models/fraud/reference`, { method: 'PUT', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      Readable.from((function* () {
        for (let off = 0; off < big.length; off += 16 * 1024) yield big.subarray(off, off + 16 * 1024);
      })()).pipe(req);
    });
    assert.equal(status.status, 413, status.body);
    assert.equal(JSON.parse(status.body).error, 'payload_too_large');
    const after = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference' }));
    assert.equal(after.uploadedAt, before.uploadedAt);
    assert.deepEqual(readdirSync(join(tmp.dir, 'data', 'tmp')), []);
  });

  test('server-side paths: only files inside references.paths', async () => {
    const ok = json(await put({ path: files.parquet }));
    assert.equal(ok.rows, ROWS);
    assert.equal(ok.source, files.parquet);
    assert.equal(ok.format, 'parquet');
    assert.equal(json(await put({ path: files.csv, format: 'csv' })).format, 'csv');
    assert.match(errorBody(await put({ path: outsideFiles.csv }), 403, 'path_not_allowed').message, /not inside a directory listed in references.paths/);
    errorBody(await put({ path: join(allowed, '..', 'outside', 'ref.csv') }), 403, 'path_not_allowed');
    errorBody(await put({ path: join(allowed, 'link.csv') }), 403, 'path_not_allowed');
    errorBody(await put({ path: '/etc/passwd' }), 403, 'path_not_allowed');
    errorBody(await put({ path: 'allowed/ref.csv' }), 400, 'bad_request');
    errorBody(await put({ path: join(allowed, '*.csv') }), 400, 'bad_request');
    assert.match(errorBody(await put({ path: join(allowed, 'missing.csv') }), 422, 'unreadable_file').message, /no such file/);
    assert.match(errorBody(await put({ path: join(allowed, 'dir.csv') }), 422, 'unreadable_file').message, /not a regular file/);
    errorBody(await put({ path: join(allowed, 'empty.csv') }), 422, 'empty_reference');
    errorBody(await put({ path: files.csv, other: 1 }), 400, 'bad_request');
    errorBody(await put({ path: 42 }), 400, 'bad_request');
  });

  test('server-side paths are refused unless configured', async () => {
    const tmp2 = tempDir();
    const s2 = await server(tmp2.dir);
    try {
      await s2.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA } });
      const body = errorBody(await s2.app.inject({ method: 'PUT', url: '/v1/models/fraud/reference', payload: { path: files.csv } }), 403, 'path_not_allowed');
      assert.match(body.message, /disabled/);
    } finally {
      await s2.close();
      tmp2.cleanup();
    }
  });

  test('GET of a model without a reference, and of an unknown model', async () => {
    await s.app.inject({ method: 'PUT', url: '/v1/models/bare', payload: { schema: SCHEMA } });
    errorBody(await s.app.inject({ method: 'GET', url: '/v1/models/bare/reference' }), 404, 'reference_not_found');
    errorBody(await s.app.inject({ method: 'GET', url: '/v1/models/none/reference' }), 404, 'model_not_found');
    assert.equal(await s.references.get('bare'), null);
  });
});

describe('reference upload: authentication', () => {
  const tmp = tempDir();
  let s: ModelwatchServer;
  before(async () => {
    s = await server(tmp.dir, {
      auth: {
        tokens: [
          { name: 'r', tokenEnv: 'MW_READ', scopes: ['read'] },
          { name: 'w', tokenEnv: 'MW_WRITE', scopes: ['write', 'read'] },
        ],
      },
    });
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  test('uploads need the write scope, reading the reference the read scope', async () => {
    const csv = 'x,y\n1,a\n2,b\n';
    errorBody(await s.app.inject({ method: 'PUT', url: '/v1/models/m/reference', headers: { 'content-type': 'text/csv' }, payload: csv }), 401, 'unauthorized');
    errorBody(
      await s.app.inject({ method: 'PUT', url: '/v1/models/m/reference', headers: { 'content-type': 'text/csv', authorization: 'Bearer read-token-0123456789' }, payload: csv }),
      403,
      'forbidden',
    );
    const res = await s.app.inject({ method: 'PUT', url: '/v1/models/m/reference', headers: { 'content-type': 'text/csv', authorization: 'Bearer write-token-0123456789' }, payload: csv });
    assert.equal(res.statusCode, 201, res.body);
    errorBody(await s.app.inject({ method: 'GET', url: '/v1/models/m/reference' }), 401, 'unauthorized');
    const got = json(await s.app.inject({ method: 'GET', url: '/v1/models/m/reference', headers: { authorization: 'Bearer read-token-0123456789' } }));
    assert.equal(got.rows, 2);
  });
});

describe('reference: sampling, replacement, durability', () => {
  const tmp = tempDir();
  let files: Files;
  let small: Files;
  let expected: Profile;

  before(async () => {
    files = await writeFiles(tmp.dir);
    small = await writeFiles(tmp.dir, SOURCE_SQL.replace(`range(${ROWS})`, 'range(500)'), 'small');
    expected = profile(await independentTable(), { schema: SCHEMA });
  });
  after(() => tmp.cleanup());

  test('beyond references.maxRows the rows kept are a deterministic sample; the profile covers every row; the reference survives a restart', async () => {
    let s = await server(tmp.dir, { references: { maxRows: 1000 } });
    await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA } });
    const up = (f: string) => s.app.inject({ method: 'PUT', url: '/v1/models/fraud/reference', headers: { 'content-type': 'application/octet-stream' }, payload: readFileSync(f) });
    const first = json(await up(files.parquet));
    assert.equal(first.rows, ROWS);
    assert.equal(first.keptRows, 1000);
    assert.equal(first.sampledFrom, ROWS);
    const got = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference' }));
    assert.deepEqual(comparable(got.profile), comparable(expected));
    const a = await s.references.get('fraud');
    assert.ok(a?.table);
    assert.equal(a.table.numRows, 1000);
    assert.equal(a.sampledFrom, ROWS);
    // Every sampled amount is an amount of the data, in the data's order.
    const all = (await independentTable()).columns[1];
    assert.ok(all.type === 'number');
    const amounts = new Set(Array.from(all.values));
    const sampledAmount = a.table.columns[0];
    assert.ok(sampledAmount.type === 'number');
    for (let i = 0; i < 1000; i++) if (!sampledAmount.nulls?.[i]) assert.ok(amounts.has(sampledAmount.values[i]));
    // The same file gives the same sample (a CSV too: same rows, same order).
    json(await up(files.csv));
    const b = await s.references.get('fraud');
    assert.ok(b?.table);
    assert.deepEqual(profile(b.table, { schema: SCHEMA }).columns, profile(a.table, { schema: SCHEMA }).columns);

    // Replacement: a smaller reference replaces profile and rows together.
    json(await up(small.csv));
    const c = await s.references.get('fraud');
    assert.ok(c?.table);
    assert.equal(c.rows, 500);
    assert.equal(c.table.numRows, 500);
    assert.equal(c.profile.rows, 500);
    assert.equal(c.sampledFrom, undefined);

    // Durable: close, reopen on the same data directory.
    const before = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference' }));
    await s.close();
    s = await server(tmp.dir, { references: { maxRows: 1000 } });
    try {
      const again = json(await s.app.inject({ method: 'GET', url: '/v1/models/fraud/reference' }));
      assert.deepEqual(again, before);
      const d = await s.references.get('fraud');
      assert.ok(d?.table);
      assert.deepEqual(comparable(profile(d.table, { schema: SCHEMA })), comparable(c.profile));
    } finally {
      await s.close();
    }
  });

  test('concurrent uploads for one model: the reference is one of them, profile and rows together', async () => {
    const s = await server(tmp.dir);
    try {
      await s.app.inject({ method: 'PUT', url: '/v1/models/race', payload: { schema: SCHEMA } });
      const put = (f: string) => s.app.inject({ method: 'PUT', url: '/v1/models/race/reference', headers: { 'content-type': 'application/octet-stream' }, payload: readFileSync(f) });
      const results = await Promise.all([put(files.parquet), put(small.parquet), put(files.csv), put(small.ndjson)]);
      for (const r of results) assert.equal(r.statusCode, 200, r.body);
      s.references.invalidate();
      const ref = await s.references.get('race');
      assert.ok(ref?.table);
      assert.ok(ref.rows === ROWS || ref.rows === 500);
      assert.equal(ref.table.numRows, ref.rows);
      assert.equal(ref.profile.rows, ref.rows);
    } finally {
      await s.close();
    }
  });
});

describe('reference files in the configuration', () => {
  const tmp = tempDir();
  let files: Files;

  before(async () => {
    files = await writeFiles(tmp.dir);
  });
  after(() => tmp.cleanup());

  const yaml = (reference: string, extra = '') => `
server:
  dataDir: data
models:
  cfg:
    schemaFrom: reference
    reference: ${reference}
    roles: { target: label, prediction: pred, segments: [channel] }
${extra}`;

  test('is loaded at start (schemaFrom: reference registers the model), not read again while unchanged, reloaded when it changes', async () => {
    const configPath = join(tmp.dir, 'modelwatch.yaml');
    writeFileSync(configPath, yaml('ref.parquet'));
    let s = await createServer({ configPath, defaultMetrics: false });
    let first: { uploadedAt: string; rows: number; profile: Profile };
    try {
      const model = json(await s.app.inject({ method: 'GET', url: '/v1/models/cfg' }));
      const expectedSchema = inferSchema(await independentTable(), { target: 'label', prediction: 'pred', segments: ['channel'] });
      assert.deepEqual(model.schema.columns, expectedSchema.columns);
      first = json(await s.app.inject({ method: 'GET', url: '/v1/models/cfg/reference' }));
      assert.equal(first.rows, ROWS);
      assert.equal((first as unknown as { source: string }).source, 'ref.parquet');
      assert.deepEqual(comparable(first.profile), comparable(profile(await independentTable(), { schema: expectedSchema })));
      const ref = await s.references.get('cfg');
      assert.equal(ref?.table?.numRows, ROWS);
    } finally {
      await s.close();
    }
    // Unchanged: not read again (the stored reference keeps its time).
    s = await createServer({ configPath, defaultMetrics: false });
    try {
      const second = json(await s.app.inject({ method: 'GET', url: '/v1/models/cfg/reference' }));
      assert.equal(second.uploadedAt, first.uploadedAt);
    } finally {
      await s.close();
    }
    // Changed content: read again.
    await writeFiles(tmp.dir, SOURCE_SQL.replace(`range(${ROWS})`, 'range(1234)'));
    s = await createServer({ configPath, defaultMetrics: false });
    try {
      const third = json(await s.app.inject({ method: 'GET', url: '/v1/models/cfg/reference' }));
      assert.notEqual(third.uploadedAt, first.uploadedAt);
      assert.equal(third.rows, 1234);
    } finally {
      await s.close();
    }
    // Changed settings (another format of the same data): read again.
    writeFileSync(configPath, yaml('ref.csv'));
    s = await createServer({ configPath, defaultMetrics: false });
    try {
      const fourth = json(await s.app.inject({ method: 'GET', url: '/v1/models/cfg/reference' }));
      assert.equal(fourth.source, 'ref.csv');
      assert.equal(fourth.rows, 1234);
    } finally {
      await s.close();
    }
  });

  test('a configured reference that cannot be used stops the start with the setting named', async () => {
    const configPath = join(tmp.dir, 'bad.yaml');
    writeFileSync(configPath, yaml('missing.parquet'));
    await assert.rejects(createServer({ configPath, defaultMetrics: false }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems[0].path, 'models.cfg.reference');
      assert.match(err.message, /missing\.parquet/);
      return true;
    });
    const csv = join(tmp.dir, 'nofeatures.csv');
    writeFileSync(csv, 'pred,label\n1,0\n');
    writeFileSync(
      configPath,
      `server: { dataDir: data2 }
models:
  fixed:
    reference: nofeatures.csv
    schema:
      columns:
        - { name: amount, kind: numeric, role: feature }
        - { name: pred, kind: categorical, role: prediction }
`,
    );
    await assert.rejects(createServer({ configPath, defaultMetrics: false }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems[0].path, 'models.fixed.reference');
      assert.match(err.problems[0].message, /lacks feature column of the model's schema: "amount"/);
      return true;
    });
  });
});

describe('reference: flights, January 2001', () => {
  const tmp = tempDir();
  const source = fileURLToPath(new URL('../../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));
  const janSql = `SELECT * FROM read_parquet('${source.replaceAll("'", "''")}') WHERE date < TIMESTAMP '2001-02-01'`;
  const path = join(tmp.dir, 'flights-2001-01.parquet');
  let s: ModelwatchServer;

  before(async () => {
    await withDuckDB((c) => c.run(`COPY (${janSql}) TO '${path}' (FORMAT parquet)`));
    s = await server(tmp.dir);
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  test('508,239 rows: profile equal to the core on an independent read; rows served to monitors', async () => {
    const res = await s.app.inject({ method: 'PUT', url: '/v1/models/flights/reference?timestamp=date', headers: { 'content-type': 'application/octet-stream' }, payload: readFileSync(path) });
    assert.equal(res.statusCode, 201, res.body);
    const body = json(res);
    assert.equal(body.rows, 508_239);
    assert.equal(body.keptRows, 508_239);
    assert.deepEqual(body.schema.columns.map((c: { name: string; kind: string; role: string }) => `${c.name}:${c.kind}:${c.role}`), [
      'date:datetime:timestamp',
      'delay:numeric:feature',
      'distance:numeric:feature',
      'origin:categorical:feature',
      'destination:categorical:feature',
    ]);
    // Independent read: DuckDB's JS values per column, the core's column builders.
    const independent = await withDuckDB(async (c) => {
      const cols = (await c.runAndReadAll(`SELECT epoch_ms(date)::DOUBLE, delay::DOUBLE, distance::DOUBLE, origin, destination FROM (${janSql})`)).getColumnsJS();
      const t: Table = {
        names: ['date', 'delay', 'distance', 'origin', 'destination'],
        columns: [
          numberColumn(cols[0] as number[], { date: true }),
          numberColumn(cols[1] as number[]),
          numberColumn(cols[2] as number[]),
          dictColumn(cols[3] as string[]),
          dictColumn(cols[4] as string[]),
        ],
        numRows: cols[0].length,
      };
      return sortDictionaries(t);
    });
    const got = json(await s.app.inject({ method: 'GET', url: '/v1/models/flights/reference' }));
    assert.deepEqual(comparable(got.profile), comparable(profile(independent, { schema: body.schema })));
    const ref = await s.references.get('flights');
    assert.ok(ref?.table);
    assert.equal(ref.table.numRows, 508_239);
    const delay = ref.table.columns[1];
    assert.ok(delay.type === 'number' && delay.values instanceof Float64Array);
    const jsDelay = independent.columns[1];
    assert.ok(jsDelay.type === 'number');
    assert.deepEqual(delay.values, jsDelay.values);
  });
});
