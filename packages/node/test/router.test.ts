/**
 * A/B and canary routing: shares by weight (binomial tolerance), stickiness,
 * ramping, and the version label on every metric.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { hash32, router } from '@modelwatch/node';
import { parseExposition, value } from './helpers.js';

/** FNV-1a over UTF-8 bytes + murmur3 fmix32, written independently from the package's. */
function referenceHash(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** |observed - n p| within z binomial standard deviations. */
function withinBinomial(observed: number, n: number, p: number, z = 5): boolean {
  return Math.abs(observed - n * p) <= z * Math.sqrt(n * p * (1 - p));
}

const versions = <T>(v1: number, v2: number) => ({
  v1: { predict: (_x: T) => 'v1', weight: v1 },
  v2: { predict: (_x: T) => 'v2', weight: v2 },
});

describe('router', () => {
  test('hash32 is FNV-1a over UTF-8 bytes with an fmix32 finaliser (stable across processes)', () => {
    for (const s of ['', 'a', 'user-1', 'user-2', 'é', 'Zürich', '日本語', '😀 emoji', 'x'.repeat(1000), '\ud800 lone']) {
      assert.equal(hash32(s), referenceHash(s), JSON.stringify(s));
    }
    // Known values pin the function: changing it would move every sticky user.
    assert.equal(hash32('user-1'), referenceHash('user-1'));
    assert.equal(hash32('abc'), 482950588); // computed in Python: FNV-1a(b'abc') then fmix32
  });

  test('random routing follows the weights; metrics count each version’s calls', async () => {
    const registry = new Registry();
    const predict = router({ model: 'ab', registry, processMetrics: false, depsHash: 'd', versions: versions<number>(95, 5) });
    const N = 20_000;
    const counts = { v1: 0, v2: 0 };
    for (let i = 0; i < N; i++) counts[predict(i) as 'v1' | 'v2']++;
    assert.ok(withinBinomial(counts.v2, N, 0.05), `v2 got ${counts.v2} of ${N}`);
    const s = parseExposition(await registry.metrics());
    assert.equal(value(s, 'modelwatch_predictions_total', { model: 'ab', version: 'v1', outcome: 'ok' }), counts.v1);
    assert.equal(value(s, 'modelwatch_predictions_total', { model: 'ab', version: 'v2', outcome: 'ok' }), counts.v2);
    assert.equal(value(s, 'modelwatch_model_info', { model: 'ab', version: 'v2', deps_hash: 'd' }), 1);
    assert.deepEqual(predict.versions, ['v1', 'v2']);
  });

  test('sticky routing: a key always gets the same version, in every router instance; shares over keys follow the weights', () => {
    const mk = () => router({ model: 'sticky', registry: new Registry(), processMetrics: false, depsHash: 'd', versions: versions<{ user: string }>(95, 5), stickyBy: ([x]) => x.user });
    const a = mk();
    const b = mk();
    const K = 20_000;
    let onV2 = 0;
    for (let k = 0; k < K; k++) {
      const x = { user: `user-${k}` };
      const v = a(x);
      assert.equal(a(x), v);
      assert.equal(b(x), v, 'another instance (another replica) agrees');
      assert.equal(a.pick([x]), v);
      // The share is the key's hash position, independently computed.
      assert.equal(v, referenceHash(x.user) / 2 ** 32 < 0.95 ? 'v1' : 'v2');
      if (v === 'v2') onV2++;
    }
    assert.ok(withinBinomial(onV2, K, 0.05), `${onV2} of ${K} keys on v2`);
  });

  test('ramping a canary moves keys only towards it; weight 0 is never picked', () => {
    const r = router({ model: 'ramp', registry: new Registry(), processMetrics: false, depsHash: 'd', versions: versions<string>(95, 5), stickyBy: ([k]) => k });
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const before = keys.map((k) => r.pick([k]));
    r.setWeights({ v1: 90, v2: 10 });
    assert.deepEqual(r.weights(), { v1: 90, v2: 10 });
    const after = keys.map((k) => r.pick([k]));
    for (let i = 0; i < keys.length; i++) if (before[i] === 'v2') assert.equal(after[i], 'v2', `${keys[i]} left the canary`);
    const moved = after.filter((v, i) => v === 'v2' && before[i] === 'v1').length;
    assert.ok(withinBinomial(moved, keys.length, 0.05), `${moved} keys moved`);
    r.setWeights({ v2: 0 });
    assert.ok(keys.every((k) => r(k) === 'v1'));
    const random = router({ model: 'zero', registry: new Registry(), processMetrics: false, depsHash: 'd', versions: versions<number>(0, 1) });
    for (let i = 0; i < 2000; i++) assert.equal(random(i), 'v2');
  });

  test('a key function returning nothing falls back to a random draw; a throwing one never reaches the caller', () => {
    const r = router({
      model: 'fallback',
      registry: new Registry(),
      processMetrics: false,
      depsHash: 'd',
      logger: false,
      versions: versions<{ user?: string }>(50, 50),
      stickyBy: ([x]) => {
        if (x.user === 'throw') throw new Error('bad key');
        return x.user;
      },
    });
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(r({}));
    assert.deepEqual([...seen].sort(), ['v1', 'v2']);
    assert.ok(['v1', 'v2'].includes(r({ user: 'throw' })));
  });

  test('with one version weighted, every call goes to it without reading the key; a canary afterwards is sticky again', () => {
    let keys = 0;
    const r = router({
      model: 'sole',
      registry: new Registry(),
      processMetrics: false,
      depsHash: 'd',
      versions: versions<{ user: string }>(100, 0),
      stickyBy: ([x]) => {
        keys++;
        return x.user;
      },
    });
    for (let i = 0; i < 100; i++) assert.equal(r({ user: `u${i}` }), 'v1');
    assert.equal(keys, 0);
    r.setWeights({ v1: 0, v2: 1 });
    for (let i = 0; i < 100; i++) assert.equal(r({ user: `u${i}` }), 'v2');
    assert.equal(keys, 0);
    r.setWeights({ v1: 50, v2: 50 });
    const first = Array.from({ length: 100 }, (_, i) => r({ user: `u${i}` }));
    assert.equal(keys, 100);
    assert.deepEqual(new Set(first), new Set(['v1', 'v2']));
    assert.deepEqual(Array.from({ length: 100 }, (_, i) => r({ user: `u${i}` })), first);
  });

  test('bad weights and versions are refused with the field named', () => {
    const base = { model: 'bad', registry: new Registry(), processMetrics: false, depsHash: 'd' };
    assert.throws(() => router({ ...base, versions: versions<number>(-1, 5) }), /versions\.v1\.weight: expected a finite number ≥ 0/);
    assert.throws(() => router({ ...base, versions: versions<number>(0, 0) }), /weights must not all be 0/);
    assert.throws(() => router({ ...base, versions: {} }), /at least one version/);
    assert.throws(() => router({ ...base, versions: { v1: { predict: 1 as never, weight: 1 } } }), /versions\.v1\.predict: expected a function/);
    const r = router({ ...base, model: 'bad2', versions: versions<number>(1, 1) });
    assert.throws(() => r.setWeights({ v3: 1 }), /unknown version "v3"/);
  });
});
