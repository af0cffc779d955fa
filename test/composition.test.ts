import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CompositionError, DEFAULT_SUPERGRAPH_PATH, composeSupergraph, repositoryRoot } from '@storefront/gateway/compose';

describe('supergraph composition', () => {
  it('composes the three subgraphs without errors or hints', async () => {
    const { supergraphSdl, hints } = await composeSupergraph();
    expect(hints).toEqual([]);
    for (const type of ['type User', 'type Product', 'type Order', 'type Category']) {
      expect(supergraphSdl).toContain(type);
    }
    expect(supergraphSdl).toContain('@join__graph(name: "catalog", url: "http://localhost:4002/graphql")');
  });

  it('matches the committed gateway/supergraph.graphql (run `npm run compose` after a schema change)', async () => {
    const { supergraphSdl } = await composeSupergraph();
    expect(await readFile(DEFAULT_SUPERGRAPH_PATH, 'utf8')).toBe(supergraphSdl);
  });

  it('fails with the composition error when subgraphs disagree', async () => {
    const orders = await readFile(path.join(repositoryRoot, 'subgraphs/orders/schema.graphql'), 'utf8');
    // Money is shareable: a conflicting field type across subgraphs cannot compose.
    const broken = orders.replace(/amount: Int!/, 'amount: String!');
    expect(broken).not.toBe(orders);
    const failure = composeSupergraph({ orders: broken });
    await expect(failure).rejects.toThrow(CompositionError);
    await expect(failure).rejects.toThrow(/Money\.amount/);
  });
});
