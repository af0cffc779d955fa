import { categories, products } from './seed-data.js';
import { errorCodes, expectLabelled } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCatalog, type TestCatalog } from '../test/support.js';

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await startTestCatalog();
});
afterAll(async () => {
  await catalog?.stop();
});

const newestFirst = [...products].reverse();
const seeded = (number: number) => products[number - 1]!;
const kitchen = categories.find((category) => category.slug === 'kitchen')!;

const PRODUCT = /* GraphQL */ `
  query Product($id: ID, $slug: String) {
    product(id: $id, slug: $slug) {
      id
      sku
      slug
      name
      description
      stockQuantity
      inStock
      createdAt
      price {
        amount
        currency
      }
      images {
        url
        width
        height
        alt
      }
      category {
        id
        slug
        name
      }
    }
  }
`;

const LIST = /* GraphQL */ `
  query List($filter: ProductFilter, $first: Int, $after: String) {
    products(filter: $filter, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
        }
      }
      nodes {
        id
        inStock
        category {
          id
          slug
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

async function list(variables: Record<string, unknown>) {
  const response = await catalog.query(LIST, variables);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.products;
}

describe('product', () => {
  it('finds a product by id with its price, images in order, stock and category', async () => {
    const product = seeded(1);
    const { body } = await catalog.query(PRODUCT, { id: product.id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.product).toEqual({
      id: product.id,
      sku: product.sku,
      slug: product.slug,
      name: product.name,
      description: product.description,
      stockQuantity: product.stockQuantity,
      inStock: true,
      createdAt: product.createdAt.toISOString(),
      price: { amount: product.priceAmount, currency: 'USD' },
      images: product.images,
      category: { id: kitchen.id, slug: 'kitchen', name: 'Kitchen' },
    });
  });

  it('finds a product by slug', async () => {
    const product = seeded(42);
    const { body } = await catalog.query(PRODUCT, { slug: product.slug });
    expect(body.data!.product).toMatchObject({ id: product.id, name: product.name });
  });

  it('shows every ninth product as out of stock', async () => {
    const { body } = await catalog.query(PRODUCT, { id: seeded(9).id });
    expect(body.data!.product).toMatchObject({ stockQuantity: 0, inStock: false });
  });

  it('requires exactly one of id and slug', async () => {
    const both = await catalog.query(PRODUCT, { id: seeded(1).id, slug: seeded(1).slug });
    const neither = await catalog.query(PRODUCT, {});
    expect(errorCodes(both)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(neither)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers null for unknown ids and slugs, including ids that are not UUIDs', async () => {
    for (const variables of [{ id: '00000000-0000-4000-8000-000000000000' }, { id: 'not-a-uuid' }, { slug: 'no-such-product' }]) {
      const { body } = await catalog.query(PRODUCT, variables);
      expect(body.errors).toBeUndefined();
      expect(body.data!.product).toBeNull();
    }
  });
});

describe('products', () => {
  it('lists the newest first with the total count', async () => {
    const page = await list({});
    expect(page.totalCount).toBe(120);
    expect(page.nodes.map((node: { id: string }) => node.id)).toEqual(newestFirst.slice(0, 20).map((product) => product.id));
    expect(page.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(
      page.nodes.map((node: { id: string }) => node.id),
    );
    expect(page.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: page.edges[0].cursor,
      endCursor: page.edges[19].cursor,
    });
  });

  it('pages through every product without duplicates or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await list({ first: 25, after });
      expect(page.totalCount).toBe(120);
      seen.push(...page.nodes.map((node: { id: string }) => node.id));
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual(newestFirst.map((product) => product.id));
  });

  it('filters by category id and by category slug', async () => {
    const byId = await list({ filter: { categoryId: kitchen.id }, first: 100 });
    const bySlug = await list({ filter: { categorySlug: 'kitchen' }, first: 100 });
    expect(byId.totalCount).toBe(20);
    expect(byId.nodes.every((node: { category: { id: string } }) => node.category.id === kitchen.id)).toBe(true);
    expect(bySlug.nodes).toEqual(byId.nodes);
  });

  it('answers an empty page for an unknown category', async () => {
    for (const filter of [
      { categorySlug: 'no-such-category' },
      { categoryId: '00000000-0000-4000-8000-000000000000' },
      { categoryId: 'kitchen' },
    ]) {
      const page = await list({ filter });
      expect(page).toMatchObject({ totalCount: 0, nodes: [], edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    }
  });

  it('filters by stock', async () => {
    const inStock = await list({ filter: { inStock: true }, first: 100 });
    const soldOut = await list({ filter: { inStock: false }, first: 100 });
    expect(inStock.totalCount).toBe(107);
    expect(soldOut.totalCount).toBe(13);
    expect(soldOut.nodes.every((node: { inStock: boolean }) => !node.inStock)).toBe(true);
    expect(inStock.nodes.every((node: { inStock: boolean }) => node.inStock)).toBe(true);
  });

  it('searches name, description and SKU case-insensitively, trimming the text', async () => {
    const byName = await list({ filter: { search: '  KETTLE ' } });
    expect(byName.totalCount).toBe(4);
    const bySku = await list({ filter: { search: 'sf-0042' } });
    expect(bySku.nodes.map((node: { id: string }) => node.id)).toEqual([seeded(42).id]);
    const byDescription = await list({ filter: { search: 'OUTDOORS RANGE' } });
    expect(byDescription.totalCount).toBe(20);
  });

  it('searches for %, _ and \\ as text, not as LIKE wildcards or escapes', async () => {
    for (const search of ['%', '_', '\\', '%%', '_%_', 'k_ttle', 'kett%', 'kettle\\']) {
      expectLabelled((await list({ filter: { search } })).totalCount, search).toBe(0);
    }
    expect((await list({ filter: { search: 'kettle' } })).totalCount).toBe(4);
  });

  it('refuses text Postgres cannot store (NUL, lone surrogates) as BAD_USER_INPUT, in variables and literals', async () => {
    const nul = 'kett\u0000le';
    for (const variables of [
      { filter: { search: nul } },
      { filter: { categorySlug: nul } },
      { filter: { search: '\ud800' } },
      { filter: { search: 'a\udc00b' } },
    ]) {
      const response = await catalog.query(LIST, variables);
      expectLabelled(errorCodes(response), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
      expect(response.status).toBe(400);
    }
    for (const [query, variables] of [
      [PRODUCT, { slug: nul }],
      ['query ($slug: String) { category(slug: $slug) { id } }', { slug: nul }],
      ['{ products(filter: { search: "kett\\u0000le" }) { totalCount } }', {}],
      ['{ category(slug: "toys\\u0000") { id } }', {}],
    ] as const) {
      const response = await catalog.query(query, variables);
      expectLabelled(errorCodes(response), query).toEqual(['BAD_USER_INPUT']);
      expect(response.status).toBe(400);
    }
  });

  it('combines filters', async () => {
    const page = await list({ filter: { categorySlug: 'kitchen', inStock: false } });
    expect(page.nodes.map((node: { id: string }) => node.id)).toEqual([seeded(18).id, seeded(9).id]);
    expect(page.totalCount).toBe(2);
  });

  it('refuses page sizes outside 1..100, broken cursors and overlong searches', async () => {
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'not-a-cursor' }, { filter: { search: 'x'.repeat(101) } }]) {
      const response = await catalog.query(LIST, variables);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.data).toBeNull();
    }
    expect((await list({ first: 100 })).nodes).toHaveLength(100);
  });
});

describe('categories', () => {
  const CATEGORIES = /* GraphQL */ `
    query {
      categories {
        id
        slug
        name
        productCount
        products(first: 3, inStock: false) {
          totalCount
          nodes {
            id
          }
          pageInfo {
            hasNextPage
          }
        }
      }
    }
  `;

  it('lists every category in menu order with 20 products each', async () => {
    const { body } = await catalog.query(CATEGORIES);
    expect(body.errors).toBeUndefined();
    expect(body.data!.categories.map((category: { slug: string }) => category.slug)).toEqual(
      categories.map((category) => category.slug),
    );
    expect(body.data!.categories.map((category: { productCount: number }) => category.productCount)).toEqual([
      20, 20, 20, 20, 20, 20,
    ]);
  });

  it("lists a category's products with its own filter and total", async () => {
    const { body } = await catalog.query(CATEGORIES);
    const homeOffice = body.data!.categories.find((category: { slug: string }) => category.slug === 'home-office');
    expect(homeOffice.products).toEqual({
      totalCount: 3,
      nodes: [seeded(99), seeded(90), seeded(81)].map((product) => ({ id: product.id })),
      pageInfo: { hasNextPage: false },
    });
  });

  it("pages through one category's products", async () => {
    const PAGE = /* GraphQL */ `
      query ($slug: String!, $after: String) {
        category(slug: $slug) {
          products(first: 15, after: $after) {
            totalCount
            nodes {
              id
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
    `;
    const first = (await catalog.query(PAGE, { slug: 'toys' })).body.data!.category.products;
    const second = (await catalog.query(PAGE, { slug: 'toys', after: first.pageInfo.endCursor })).body.data!.category.products;
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const toys = newestFirst.filter(
      (product) => product.categoryId === categories.find((category) => category.slug === 'toys')!.id,
    );
    expect([...first.nodes, ...second.nodes].map((node: { id: string }) => node.id)).toEqual(toys.map((product) => product.id));
    expect(second.totalCount).toBe(20);
    const broken = await catalog.query(PAGE, { slug: 'toys', after: 'broken' });
    expect(errorCodes(broken)).toEqual(['BAD_USER_INPUT']);
  });

  it('finds one category by id or slug, null when unknown, and requires exactly one of them', async () => {
    const QUERY = 'query ($id: ID, $slug: String) { category(id: $id, slug: $slug) { slug } }';
    expect((await catalog.query(QUERY, { id: kitchen.id })).body.data!.category).toEqual({ slug: 'kitchen' });
    expect((await catalog.query(QUERY, { slug: 'books' })).body.data!.category).toEqual({ slug: 'books' });
    expect((await catalog.query(QUERY, { id: 'nope' })).body.data!.category).toBeNull();
    expect(errorCodes(await catalog.query(QUERY, {}))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('related', () => {
  const RELATED = 'query ($id: ID!, $first: Int) { product(id: $id) { related(first: $first) { id category { slug } } } }';

  it('lists other products of the same category, newest first', async () => {
    const { body } = await catalog.query(RELATED, { id: seeded(120).id, first: 3 });
    expect(body.data!.product.related).toEqual(
      [119, 118, 117].map((number) => ({ id: seeded(number).id, category: { slug: 'toys' } })),
    );
    const fallback = await catalog.query(RELATED, { id: seeded(101).id });
    expect(fallback.body.data!.product.related.map((product: { id: string }) => product.id)).toEqual(
      [120, 119, 118, 117].map((number) => seeded(number).id),
    );
  });

  it('returns at most 20 and never the product itself', async () => {
    const { body } = await catalog.query(RELATED, { id: seeded(110).id, first: 20 });
    const ids = body.data!.product.related.map((product: { id: string }) => product.id);
    expect(ids).toHaveLength(19);
    expect(ids).not.toContain(seeded(110).id);
    for (const first of [0, 21]) {
      expect(errorCodes(await catalog.query(RELATED, { id: seeded(110).id, first }))).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('entities', () => {
  const ENTITIES = /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Product {
          id
          name
          price {
            amount
          }
          category {
            slug
          }
        }
        ... on Category {
          id
          slug
          productCount
        }
      }
    }
  `;

  it('resolves products and categories by key, null for unknown ones', async () => {
    const { body } = await catalog.query(ENTITIES, {
      representations: [
        { __typename: 'Product', id: seeded(3).id },
        { __typename: 'Category', id: kitchen.id },
        { __typename: 'Product', id: '00000000-0000-4000-8000-000000000000' },
        { __typename: 'Product', id: 'not-a-uuid' },
        { __typename: 'Product', id: seeded(61).id },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([
      { id: seeded(3).id, name: seeded(3).name, price: { amount: seeded(3).priceAmount }, category: { slug: 'kitchen' } },
      { id: kitchen.id, slug: 'kitchen', productCount: 20 },
      null,
      null,
      { id: seeded(61).id, name: seeded(61).name, price: { amount: seeded(61).priceAmount }, category: { slug: 'audio' } },
    ]);
  });
});
