import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeSupergraph, repositoryRoot } from '@storefront/gateway/compose';
import { products } from '@storefront/catalog/seed-data';
import { errorCodes, eventually, graphql } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from './support/stack.js';

const product = products[0]!;
const WITH_SKU = 'query ($slug: String!) { product(slug: $slug) { sku } }';
const WITHOUT_SKU = 'query ($slug: String!) { product(slug: $slug) { name } }';

const until = (attempt: () => Promise<boolean>, timeoutMs = 10_000) =>
  eventually(attempt, Boolean, 'the condition', { timeoutMs, intervalMs: 0 });

describe('the gateway serves any supergraph file and follows its changes', () => {
  let stack: Stack;
  let dir: string;
  let file: string;
  let original: string;
  let withoutSku: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'supergraph-'));
    file = path.join(dir, 'supergraph.graphql');
    original = (await composeSupergraph()).supergraphSdl;
    const catalog = await readFile(path.join(repositoryRoot, 'subgraphs/catalog/schema.graphql'), 'utf8');
    const catalogWithoutSku = catalog.replace(/^\s*"Stock keeping unit, unique."\n\s*sku: String!\n/m, '\n');
    expect(catalogWithoutSku).not.toBe(catalog);
    withoutSku = (await composeSupergraph({ catalog: catalogWithoutSku })).supergraphSdl;
    await writeFile(file, original);
    stack = await startStack({ supergraphPath: file });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps schemas when the file changes, without failing requests in flight', async () => {
    const before = await graphql(stack.gatewayUrl, WITH_SKU, { slug: product.slug });
    expect(before.body.data!.product.sku).toBe(product.sku);

    let keepGoing = true;
    const failures: unknown[] = [];
    let served = 0;
    const traffic = (async () => {
      while (keepGoing) {
        const response = await graphql(stack.gatewayUrl, WITHOUT_SKU, { slug: product.slug });
        served += 1;
        if (response.status !== 200 || response.body.errors || response.body.data?.product.name !== product.name) {
          failures.push(response.body);
        }
      }
    })();

    await writeFile(file, withoutSku);
    await until(async () =>
      errorCodes(await graphql(stack.gatewayUrl, WITH_SKU, { slug: product.slug })).includes('GRAPHQL_VALIDATION_FAILED'),
    );
    await writeFile(file, original);
    await until(
      async () => (await graphql(stack.gatewayUrl, WITH_SKU, { slug: product.slug })).body.data?.product?.sku === product.sku,
    );

    keepGoing = false;
    await traffic;
    expect(served).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
