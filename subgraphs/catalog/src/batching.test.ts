import { categories, products } from './seed-data.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCatalog, type TestCatalog } from '../test/support.js';

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await startTestCatalog();
});
afterAll(async () => {
  await catalog?.stop();
});

/** SQL statements one operation costs; it must succeed. */
async function cost(query: string, variables: Record<string, unknown> = {}) {
  let data: Record<string, any> | null | undefined;
  const statements = await catalog.statementsDuring(async () => {
    const { body } = await catalog.query(query, variables);
    expect(body.errors).toBeUndefined();
    data = body.data;
  });
  return { statements, data: data! };
}

describe('statements per operation do not grow with list sizes', () => {
  it('products with images, category and related', async () => {
    const LIST = /* GraphQL */ `
      query ($first: Int!) {
        products(first: $first) {
          totalCount
          nodes {
            id
            images {
              url
            }
            category {
              slug
              productCount
            }
            related(first: 3) {
              id
              images {
                url
              }
              category {
                slug
              }
            }
          }
        }
      }
    `;
    await cost(LIST, { first: 1 }); // opens the pool's connections before measuring
    const small = await cost(LIST, { first: 10 });
    const large = await cost(LIST, { first: 50 });
    expect(small.data.products.nodes).toHaveLength(10);
    expect(large.data.products.nodes).toHaveLength(50);
    // 50 products span three categories; every product got its images and related ones.
    expect(new Set(large.data.products.nodes.map((node: { category: { slug: string } }) => node.category.slug)).size).toBe(3);
    expect(
      large.data.products.nodes.every(
        (node: { images: unknown[]; related: unknown[] }) => node.images.length === 2 && node.related.length === 3,
      ),
    ).toBe(true);
    expect(large.statements).toBe(small.statements);
    // count, page, images, categories, product counts, related: one statement each.
    expect(small.statements).toBeGreaterThan(0);
    expect(small.statements).toBeLessThanOrEqual(6);
  });

  it('entity resolution for many products', async () => {
    const ENTITIES = /* GraphQL */ `
      query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Product {
            id
            name
            price {
              amount
            }
            images {
              url
            }
            category {
              name
            }
          }
        }
      }
    `;
    const representations = (count: number) => products.slice(0, count).map(({ id }) => ({ __typename: 'Product', id }));
    await cost(ENTITIES, { representations: representations(1) });
    const small = await cost(ENTITIES, { representations: representations(5) });
    const large = await cost(ENTITIES, { representations: representations(40) });
    expect(large.data._entities.map((entity: { id: string }) => entity.id)).toEqual(products.slice(0, 40).map(({ id }) => id));
    expect(large.statements).toBe(small.statements);
    expect(small.statements).toBeLessThanOrEqual(3);
  });

  it('entity resolution for many categories', async () => {
    const ENTITIES = /* GraphQL */ `
      query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Category {
            id
            slug
            productCount
          }
        }
      }
    `;
    const representations = (count: number) => categories.slice(0, count).map(({ id }) => ({ __typename: 'Category', id }));
    const small = await cost(ENTITIES, { representations: representations(2) });
    const large = await cost(ENTITIES, { representations: representations(6) });
    expect(large.data._entities.map((entity: { productCount: number }) => entity.productCount)).toEqual([20, 20, 20, 20, 20, 20]);
    expect(large.statements).toBe(small.statements);
  });

  it("categories with their products' pages", async () => {
    const MENU = /* GraphQL */ `
      query ($first: Int!) {
        categories {
          slug
          productCount
          products(first: $first) {
            totalCount
            nodes {
              id
              images {
                url
              }
              category {
                slug
              }
            }
          }
        }
      }
    `;
    const small = await cost(MENU, { first: 2 });
    const large = await cost(MENU, { first: 15 });
    expect(
      large.data.categories.every((category: { products: { nodes: unknown[] } }) => category.products.nodes.length === 15),
    ).toBe(true);
    expect(large.statements).toBe(small.statements);
    expect(small.statements).toBeLessThanOrEqual(5);
  });
});
