// The benchmark cannot rot unnoticed: every arm of the harness runs for about a second and
// must answer without errors. No timing is asserted here; figures come from `npm run bench`.
import { expectLabelled, testRedisUrl, testServerUrl } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from './harness.js';
import { measureLive } from './live.js';
import { SERVICE_NAMES } from './stack.js';

// Hive Gateway lives outside the product's dependencies, in bench/peers; the harness installs
// it there on first use (once per checkout), so its arm is checked like the others.
const ARMS = [
  'ceiling-fixed',
  'ceiling-redis',
  'web-hit',
  'web-miss',
  'mobile-hit',
  'mobile-miss',
  'gateway',
  'peer-apollo',
  'peer-hive',
  'users-gateway',
  'users-gateway-nodedup',
  'users-apollo',
  'users-hive',
  'users-hive-nodedup',
  'engine-gateway',
  'engine-apollo',
  'engine-hive',
  'web-miss-direct',
  'mobile-miss-direct',
];

describe('bench harness: each arm answers without errors (about a second each, no timing assertions)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      databaseUrl: testServerUrl,
      redisUrl: testRedisUrl,
      extraOrders: 0,
      users: 8,
      hive: true,
      installHive: true,
    });
  }, 600_000);
  afterAll(() => harness?.stop(), 60_000);

  async function loadArm(id: string) {
    const arm = harness.arms.find((candidate) => candidate.id === id);
    const why = harness.skipped.find((skipped) => skipped.id === id)?.reason;
    expectLabelled(arm, `arm ${id} is missing: ${why ?? 'unknown'}`).toBeDefined();
    // Slow arms get longer, so that a busy machine still completes some of their requests.
    const fast = arm!.kind === 'ceiling' || arm!.kind === 'bff-hit';
    const result = await harness.load(arm!, fast ? 1 : 3, 4);
    expect(result.requests).toBeGreaterThan(0);
    expectLabelled(result.errors, result.firstError).toBe(0);
    if (arm!.kind === 'bff-hit') expect(result.cache.HIT ?? 0).toBeGreaterThan(0);
    if (arm!.kind === 'bff-miss') expect(result.cache.HIT ?? 0).toBe(0);
  }

  for (const id of ARMS) it(`${id} answers without errors`, () => loadArm(id), 60_000);

  it('runs the mix through both BFFs at a fixed arrival rate without errors', async () => {
    const result = await harness.mix(20, 1);
    expectLabelled(result.errors, result.firstError).toBe(0);
    expect(result.answered).toBe(result.sent);
    expect(result.cacheable).toBeGreaterThan(0);
  }, 60_000);

  it('counts SQL statements per operation at two list sizes', async () => {
    const rows = await harness.statements([2, 4], 2);
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      for (const count of Object.values(row.statements))
        expectLabelled(Number.isInteger(count) && count >= 0, `${row.operation}: ${count}`).toBe(true);
    }
  }, 120_000);

  it('measures live updates: every subscriber told of every change', async () => {
    const result = await measureLive(harness.stack, { subscribers: 20, productCount: 4, changes: 2, progress: () => undefined });
    expect(result.missed).toBe(0);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.latencyFrom).toBe('event published');
  }, 120_000);

  it("reads every service's RSS", async () => {
    const rows = await harness.memory();
    for (const name of SERVICE_NAMES) expect(rows.find((row) => row.process === name)?.rssBytes ?? 0).toBeGreaterThan(0);
  }, 30_000);
});
