import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada } from '@storefront/users/seed-data';
import { expectLabelled, graphql, testServerUrl } from '@storefront/testing';
import { dropDatabase, withDatabase } from '@storefront/db';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort, runCommand } from './support/processes.js';
import { logIn } from './support/session.js';

const JOIN = '{ me { orders(first: 10) { totalCount nodes { items { product { name category { name } } } } } } }';

describe('npm start on the embedded Postgres', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('brings the stack up migrated and seeded, prints the URLs, and keeps data across restarts', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'storefront-start-'));
    const ports = {
      GATEWAY_PORT: await freePort(),
      USERS_PORT: await freePort(),
      CATALOG_PORT: await freePort(),
      ORDERS_PORT: await freePort(),
      BFF_WEB_PORT: await freePort(),
      BFF_MOBILE_PORT: await freePort(),
    };
    const shopPort = await freePort();
    const env = {
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      WEB_APP_PORT: String(shopPort),
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      DATABASE_URL: '',
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
    };
    const gateway = `http://localhost:${ports.GATEWAY_PORT}/graphql`;

    const first = runCommand('npm', ['start'], env);
    let firstExit: Awaited<ReturnType<typeof first.terminate>>;
    try {
      await first.waitFor('Storefront graph is up');
      for (const port of Object.values(ports)) expect(first.output()).toContain(`http://localhost:${port}/graphql`);
      await expectShopServed(first.output(), shopPort, ports.BFF_WEB_PORT);
      const token = await logIn(gateway, ada.email, ada.password);
      const joined = await graphql(gateway, JOIN, {}, { token });
      expect(joined.body.errors).toBeUndefined();
      expect(joined.body.data!.me.orders.totalCount).toBe(seedOrders.filter((order) => order.buyerId === ada.id).length);
      expect(joined.body.data!.me.orders.nodes[0].items[0].product.category.name).toEqual(expect.any(String));
      const signUp = await graphql(
        gateway,
        'mutation { signUp(input: { email: "kept@example.com", password: "kept-password-1", name: "Kept" }) { userErrors { code } } }',
      );
      expect(signUp.body.data!.signUp.userErrors).toEqual([]);
    } finally {
      // Stopped either way; a failure above is reported as itself, not as the checks below.
      firstExit = await first.terminate();
    }
    expect(String(firstExit)).toMatch(/^(0|SIGTERM)$/);
    // Three subgraphs, the gateway and two BFFs each stopped cleanly.
    expectLabelled(first.output().match(/"msg":"stopped"/g), first.output().slice(-3000)).toHaveLength(6);

    const second = runCommand('npm', ['start'], env);
    try {
      await second.waitFor('Storefront graph is up');
      await logIn(gateway, 'kept@example.com', 'kept-password-1');
    } finally {
      expect(String(await second.terminate())).toMatch(/^(0|SIGTERM)$/);
    }
  }, 180_000);
});

describe('a subgraph started alone', () => {
  const database = withDatabase(testServerUrl, `sf_test_alone_${process.pid}_users`);
  afterAll(() => dropDatabase(database));

  it('answers health checks on its port and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const users = runCommand('npm', ['start', '-w', 'subgraphs/users'], {
      USERS_PORT: String(port),
      USERS_DATABASE_URL: database,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
    });
    try {
      await users.waitFor('users subgraph ready');
      const live = await fetch(`http://localhost:${port}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`http://localhost:${port}/health/ready`);
      expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'up', migrations: 'up' } });
    } finally {
      expect(String(await users.terminate())).toMatch(/^(0|SIGTERM)$/);
      expect(users.output()).toContain('"msg":"stopped"');
      await expect(fetch(`http://localhost:${port}/health/live`)).rejects.toThrow();
    }
  }, 60_000);
});

/** The banner names the shop first; it serves the built app, told where the web BFF is, which allows its origin. */
async function expectShopServed(output: string, shopPort: number, bffPort: number) {
  const shop = `http://localhost:${shopPort}`;
  const banner = output.slice(output.indexOf('Storefront graph is up')).split('\n');
  expect(banner[1]).toContain(shop);
  const page = await fetch(`${shop}/account`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root">');
  expect(await (await fetch(`${shop}/config.json`)).json()).toEqual({ bffUrl: `http://localhost:${bffPort}/graphql` });
  const preflight = await fetch(`http://localhost:${bffPort}/graphql`, {
    method: 'OPTIONS',
    headers: { origin: shop, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  expect(preflight.headers.get('access-control-allow-origin')).toBe(shop);
  expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
}
