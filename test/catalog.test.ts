import { categories, products, type SeedProduct } from '@storefront/catalog/seed-data';
import { errorCodes } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInSeedUsers, type Caller, type Send } from './support/callers.js';
import { startStack, type Stack } from './support/stack.js';

// Expectations come from the seed: newest first is createdAt, then id, descending.
const newestFirst = [...products].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
const ids = (list: readonly { id: string }[]) => list.map((item) => item.id);
const categoryOf = (product: SeedProduct) => categories.find((category) => category.id === product.categoryId)!;
const inCategory = (categoryId: string) => newestFirst.filter((product) => product.categoryId === categoryId);
const matching = (text: string) =>
  newestFirst.filter((product) =>
    [product.name, product.description, product.sku].some((field) => field.toLowerCase().includes(text.toLowerCase())),
  );
const inStock = newestFirst.filter((product) => product.stockQuantity > 0);
const soldOut = newestFirst.filter((product) => product.stockQuantity === 0);
const menu = [...categories].sort((a, b) => a.position - b.position);
const kitchen = menu[0]!;
const books = categories.find((category) => category.slug === 'books')!;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const PRODUCT_FIELDS = /* GraphQL */ `
  id sku slug name description stockQuantity inStock createdAt
  price { amount currency }
  images { url width height alt }
  category { id slug name }
`;
const PRODUCT = `query ($id: ID, $slug: String) { product(id: $id, slug: $slug) { ${PRODUCT_FIELDS} } }`;
const PRODUCTS = /* GraphQL */ `
  query ($filter: ProductFilter, $first: Int, $after: String) {
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
        name
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
const PAYLOAD = `product { ${PRODUCT_FIELDS} } userErrors { field code message }`;
const CREATE = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { ${PAYLOAD} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { ${PAYLOAD} } }`;
const ADJUST = `mutation ($id: ID!, $delta: Int!) { adjustStock(id: $id, delta: $delta) { ${PAYLOAD} } }`;

/** A product as the gateway should show it, from the seed. */
function shown(product: SeedProduct) {
  const category = categoryOf(product);
  return {
    id: product.id,
    sku: product.sku,
    slug: product.slug,
    name: product.name,
    description: product.description,
    stockQuantity: product.stockQuantity,
    inStock: product.stockQuantity > 0,
    createdAt: product.createdAt.toISOString(),
    price: { amount: product.priceAmount, currency: product.currency },
    images: product.images,
    category: { id: category.id, slug: category.slug, name: category.name },
  };
}

let created = 0;
/** A valid CreateProductInput with a fresh SKU and slug. */
function newProduct(overrides: Record<string, unknown> = {}) {
  created += 1;
  return {
    sku: `GW-TEST-${created}`,
    slug: `gateway-test-product-${created}`,
    name: `Gateway Test Product ${created}`,
    description: 'Made through the gateway by a test.',
    priceAmount: 4321,
    stockQuantity: 8,
    categoryId: kitchen.id,
    images: [{ url: `https://images.example.test/gw/${created}.jpg`, width: 640, height: 480, alt: 'Front' }],
    ...overrides,
  };
}

describe('catalog through the gateway', () => {
  let stack: Stack;
  let send: Send;

  beforeAll(async () => {
    stack = await startStack();
    send = await signInSeedUsers(stack.gatewayUrl);
  });
  afterAll(() => stack?.stop());

  /** One page of `products`, which must not fail. */
  async function list(variables: Record<string, unknown>) {
    const response = await send(PRODUCTS, variables);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.products;
  }

  /** Every page of `products` for `filter`, checking totalCount on each. */
  async function listAll(filter: Record<string, unknown>, first: number) {
    const seen: string[] = [];
    const totals = new Set<number>();
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await list({ filter, first, after });
      totals.add(page.totalCount);
      seen.push(...ids(page.nodes));
      pages += 1;
      if (!page.pageInfo.hasNextPage) return { ids: seen, totals: [...totals], pages };
      after = page.pageInfo.endCursor;
    }
  }

  async function productById(id: string) {
    const response = await send(PRODUCT, { id });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.product;
  }

  async function productCounts(): Promise<Record<string, number>> {
    const response = await send('{ categories { slug productCount } }');
    return Object.fromEntries(
      response.body.data!.categories.map((category: { slug: string; productCount: number }) => [
        category.slug,
        category.productCount,
      ]),
    );
  }

  /** Sends an admin mutation that must come back with userErrors only; returns them as { field, code }. */
  async function userErrorsOf(mutation: string, variables: Record<string, unknown>) {
    const response = await send(mutation, variables, 'admin');
    expect(response.body.errors).toBeUndefined();
    const payload = Object.values(response.body.data!)[0] as {
      product: unknown;
      userErrors: Array<{ field: string | null; code: string; message: string }>;
    };
    expect(payload.product).toBeNull();
    for (const error of payload.userErrors) expect(error.message).toEqual(expect.any(String));
    return payload.userErrors.map(({ field, code }) => ({ field, code }));
  }

  async function createAsAdmin(overrides: Record<string, unknown> = {}) {
    const response = await send(CREATE, { input: newProduct(overrides) }, 'admin');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.createProduct.userErrors).toEqual([]);
    return response.body.data!.createProduct.product;
  }

  describe('product', () => {
    it('finds a product by id with its price, images, stock and category', async () => {
      const product = products[0]!;
      expect(await productById(product.id)).toEqual(shown(product));
    });

    it('treats ids case-insensitively, as UUIDs are', async () => {
      const product = products[0]!;
      expect(await productById(product.id.toUpperCase())).toEqual(shown(product));
    });

    it('finds a product by slug', async () => {
      const product = products[41]!;
      const response = await send(PRODUCT, { slug: product.slug });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.product).toEqual(shown(product));
    });

    it('shows a sold-out product as not in stock', async () => {
      expect(await productById(soldOut[0]!.id)).toMatchObject({ stockQuantity: 0, inStock: false });
    });

    it('answers null for an unknown id or slug', async () => {
      for (const variables of [{ id: UNKNOWN_ID }, { id: 'not-a-uuid' }, { slug: 'no-such-product' }]) {
        const response = await send(PRODUCT, variables);
        expect(response.body).toEqual({ data: { product: null } });
      }
    });

    it('requires exactly one of id and slug', async () => {
      for (const variables of [{}, { id: products[0]!.id, slug: products[0]!.slug }]) {
        const response = await send(PRODUCT, variables);
        expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
        expect(response.body.data?.product ?? null).toBeNull();
      }
    });
  });

  describe('products', () => {
    it('lists the newest 20 first, with the total count and page info', async () => {
      const page = await list({});
      expect(page.totalCount).toBe(products.length);
      expect(ids(page.nodes)).toEqual(ids(newestFirst.slice(0, 20)));
      expect(page.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(ids(page.nodes));
      expect(page.pageInfo).toEqual({
        hasNextPage: true,
        hasPreviousPage: false,
        startCursor: page.edges[0].cursor,
        endCursor: page.edges[19].cursor,
      });
    });

    it('pages through every product without gaps or duplicates, the total the same on every page', async () => {
      const all = await listAll({}, 25);
      expect(all.ids).toEqual(ids(newestFirst));
      expect(all.totals).toEqual([products.length]);
      expect(all.pages).toBe(Math.ceil(products.length / 25));
    });

    it('filters by category id and by category slug', async () => {
      const expected = ids(inCategory(books.id));
      const byId = await listAll({ categoryId: books.id }, 7);
      const bySlug = await listAll({ categorySlug: books.slug }, 7);
      expect(byId).toEqual({ ids: expected, totals: [expected.length], pages: Math.ceil(expected.length / 7) });
      expect(bySlug).toEqual(byId);
      const page = await list({ filter: { categorySlug: books.slug } });
      expect(page.nodes.every((node: { category: { slug: string } }) => node.category.slug === books.slug)).toBe(true);
    });

    it('answers an empty page for an unknown category', async () => {
      for (const filter of [{ categorySlug: 'no-such-category' }, { categoryId: UNKNOWN_ID }]) {
        expect(await list({ filter })).toMatchObject({ totalCount: 0, nodes: [], edges: [], pageInfo: { hasNextPage: false } });
      }
    });

    it('searches name, description and SKU regardless of letter case', async () => {
      for (const search of ['KETTLE', 'outdoors range', products[41]!.sku.toLowerCase()]) {
        const expected = matching(search);
        expect(expected.length).toBeGreaterThan(0);
        const page = await list({ filter: { search }, first: 100 });
        expect(page.totalCount).toBe(expected.length);
        expect(ids(page.nodes)).toEqual(ids(expected));
      }
      expect(await list({ filter: { search: 'no product is called this' } })).toMatchObject({ totalCount: 0, nodes: [] });
    });

    it('filters by stock', async () => {
      const available = await listAll({ inStock: true }, 100);
      const unavailable = await listAll({ inStock: false }, 100);
      expect(available.ids).toEqual(ids(inStock));
      expect(available.totals).toEqual([inStock.length]);
      expect(unavailable.ids).toEqual(ids(soldOut));
      expect(unavailable.totals).toEqual([soldOut.length]);
    });

    it('combines filters', async () => {
      const expected = inCategory(kitchen.id).filter((product) => product.stockQuantity === 0);
      const page = await list({ filter: { categorySlug: kitchen.slug, inStock: false } });
      expect(page.totalCount).toBe(expected.length);
      expect(ids(page.nodes)).toEqual(ids(expected));
    });

    it('accepts first from 1 to 100 and refuses anything else', async () => {
      expect((await list({ first: 1 })).nodes).toHaveLength(1);
      expect((await list({ first: 100 })).nodes).toHaveLength(100);
      for (const first of [0, -1, 101]) {
        const response = await send(PRODUCTS, { first });
        expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
        expect(response.body.data ?? null).toBeNull();
      }
    });

    it('refuses a cursor it did not issue', async () => {
      const response = await send(PRODUCTS, { after: 'not-a-cursor' });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.data ?? null).toBeNull();
    });
  });

  describe('categories', () => {
    it('lists every category in menu order with how many products it holds', async () => {
      const response = await send('{ categories { id slug name productCount } }');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.categories).toEqual(
        menu.map((category) => ({
          id: category.id,
          slug: category.slug,
          name: category.name,
          productCount: products.filter((product) => product.categoryId === category.id).length,
        })),
      );
    });

    it("lists each category's products, newest first, with its own stock filter and total", async () => {
      const response = await send(/* GraphQL */ `
        {
          categories {
            slug
            newest: products(first: 3) {
              totalCount
              nodes {
                id
              }
              pageInfo {
                hasNextPage
              }
            }
            soldOut: products(first: 20, inStock: false) {
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
      `);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.categories).toEqual(
        menu.map((category) => {
          const all = inCategory(category.id);
          const gone = all.filter((product) => product.stockQuantity === 0);
          return {
            slug: category.slug,
            newest: {
              totalCount: all.length,
              nodes: ids(all.slice(0, 3)).map((id) => ({ id })),
              pageInfo: { hasNextPage: all.length > 3 },
            },
            soldOut: { totalCount: gone.length, nodes: ids(gone).map((id) => ({ id })), pageInfo: { hasNextPage: false } },
          };
        }),
      );
    });

    it("pages through one category's products and refuses a bad cursor", async () => {
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
      const toys = categories.find((category) => category.slug === 'toys')!;
      const first = (await send(PAGE, { slug: toys.slug })).body.data!.category.products;
      const second = (await send(PAGE, { slug: toys.slug, after: first.pageInfo.endCursor })).body.data!.category.products;
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect(second.pageInfo.hasNextPage).toBe(false);
      expect([first.totalCount, second.totalCount]).toEqual([20, 20]);
      expect([...ids(first.nodes), ...ids(second.nodes)]).toEqual(ids(inCategory(toys.id)));
      expect(errorCodes(await send(PAGE, { slug: toys.slug, after: 'broken' }))).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('related', () => {
    const RELATED = 'query ($id: ID!, $first: Int) { product(id: $id) { related(first: $first) { id category { id } } } }';
    const expectedRelated = (product: SeedProduct, count: number) =>
      inCategory(product.categoryId)
        .filter((other) => other.id !== product.id)
        .slice(0, count)
        .map((other) => ({ id: other.id, category: { id: product.categoryId } }));

    it('lists other products of the same category, newest first, 4 unless told', async () => {
      for (const product of [products[0]!, products[119]!, products[63]!]) {
        const byDefault = await send(RELATED, { id: product.id });
        expect(byDefault.body.errors).toBeUndefined();
        expect(byDefault.body.data!.product.related).toEqual(expectedRelated(product, 4));
        const three = await send(RELATED, { id: product.id, first: 3 });
        expect(three.body.data!.product.related).toEqual(expectedRelated(product, 3));
      }
    });

    it('gives at most 20, never the product itself', async () => {
      const product = products[10]!;
      const response = await send(RELATED, { id: product.id, first: 20 });
      expect(response.body.data!.product.related).toEqual(expectedRelated(product, 20));
      expect(ids(response.body.data!.product.related)).not.toContain(product.id);
      expect(errorCodes(await send(RELATED, { id: product.id, first: 21 }))).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('admin mutations', () => {
    const target = products[2]!;
    const cases: Array<[name: string, mutation: string, variables: () => Record<string, unknown>]> = [
      ['createProduct', CREATE, () => ({ input: newProduct() })],
      ['updateProduct', UPDATE, () => ({ id: target.id, input: { name: 'Hijacked', priceAmount: 1 } })],
      ['adjustStock', ADJUST, () => ({ id: target.id, delta: -1 })],
    ];

    describe.each(cases)('%s permissions', (name, mutation, variables) => {
      it.each<[Caller, string]>([
        ['anonymous', 'UNAUTHENTICATED'],
        ['ada', 'FORBIDDEN'],
      ])('refuses %s with %s and changes nothing', async (caller, code) => {
        const before = { product: await productById(target.id), total: (await list({ first: 1 })).totalCount };
        const response = await send(mutation, variables(), caller);
        expect(errorCodes(response)).toEqual([code]);
        expect(response.body.data?.[name] ?? null).toBeNull();
        expect({ product: await productById(target.id), total: (await list({ first: 1 })).totalCount }).toEqual(before);
      });
    });

    describe('createProduct', () => {
      it('adds a product that shows up in the catalog', async () => {
        const countsBefore = await productCounts();
        const input = newProduct({ categoryId: books.id, currency: 'EUR', stockQuantity: 0 });
        const response = await send(CREATE, { input }, 'admin');
        expect(response.body.errors).toBeUndefined();
        const { product, userErrors } = response.body.data!.createProduct;
        expect(userErrors).toEqual([]);
        expect(product).toMatchObject({
          sku: input.sku,
          slug: input.slug,
          name: input.name,
          description: input.description,
          price: { amount: input.priceAmount, currency: 'EUR' },
          stockQuantity: 0,
          inStock: false,
          images: input.images,
          category: { id: books.id, slug: books.slug, name: books.name },
        });

        const bySlug = await send(PRODUCT, { slug: input.slug });
        expect(bySlug.body.data!.product).toEqual(product);
        const newest = await list({ filter: { categorySlug: books.slug }, first: 1 });
        expect(newest.nodes[0].id).toBe(product.id);
        expect(newest.totalCount).toBe(inCategory(books.id).length + 1);
        expect(await productCounts()).toEqual({ ...countsBefore, [books.slug]: countsBefore[books.slug]! + 1 });
        expect(ids((await list({ filter: { search: input.sku } })).nodes)).toEqual([product.id]);
      });

      it('prices in USD unless told otherwise', async () => {
        const product = await createAsAdmin({ images: null });
        expect(product).toMatchObject({ price: { amount: 4321, currency: 'USD' }, images: [], inStock: true });
      });

      it.each<[string, Record<string, unknown>, { field: string; code: string }]>([
        ['a negative price', { priceAmount: -1 }, { field: 'priceAmount', code: 'INVALID_PRICE' }],
        ['negative stock', { stockQuantity: -1 }, { field: 'stockQuantity', code: 'INVALID_STOCK' }],
        ['a blank name', { name: '   ' }, { field: 'name', code: 'INVALID_NAME' }],
        ['an upper-case slug', { slug: 'Not-A-Slug' }, { field: 'slug', code: 'INVALID_SLUG' }],
        ['a SKU with spaces', { sku: 'has spaces' }, { field: 'sku', code: 'INVALID_SKU' }],
        ['a lower-case currency', { currency: 'usd' }, { field: 'currency', code: 'INVALID_CURRENCY' }],
        ['an unknown category', { categoryId: UNKNOWN_ID }, { field: 'categoryId', code: 'CATEGORY_NOT_FOUND' }],
        [
          'an image that is not http(s)',
          { images: [{ url: 'ftp://x.test/a.jpg', width: 1, height: 1, alt: '' }] },
          { field: 'images', code: 'INVALID_IMAGE' },
        ],
        ['a slug already taken', { slug: products[0]!.slug }, { field: 'slug', code: 'SLUG_TAKEN' }],
        ['a SKU already taken', { sku: products[0]!.sku }, { field: 'sku', code: 'SKU_TAKEN' }],
      ])('refuses %s with a user error and creates nothing', async (_case, overrides, expected) => {
        const total = (await list({ first: 1 })).totalCount;
        expect(await userErrorsOf(CREATE, { input: newProduct(overrides) })).toEqual([expected]);
        expect((await list({ first: 1 })).totalCount).toBe(total);
      });

      it('reports every invalid field at once', async () => {
        const errors = await userErrorsOf(CREATE, { input: newProduct({ priceAmount: -5, name: '', currency: 'x' }) });
        expect(errors.map((error) => error.field).sort()).toEqual(['currency', 'name', 'priceAmount']);
      });

      it('rejects a missing required field before any subgraph sees it', async () => {
        const { sku: _sku, ...withoutSku } = newProduct();
        expect(errorCodes(await send(CREATE, { input: withoutSku }, 'admin'))).toEqual(['BAD_USER_INPUT']);
      });
    });

    describe('updateProduct', () => {
      it('changes the given fields, keeps the others, and the change is visible afterwards', async () => {
        const product = await createAsAdmin();
        const response = await send(
          UPDATE,
          { id: product.id, input: { name: 'Renamed Kettle', priceAmount: 999, categoryId: books.id } },
          'admin',
        );
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.updateProduct.userErrors).toEqual([]);
        const expected = {
          ...product,
          name: 'Renamed Kettle',
          price: { amount: 999, currency: 'USD' },
          category: { id: books.id, slug: books.slug, name: books.name },
        };
        expect(response.body.data!.updateProduct.product).toEqual(expected);
        expect(await productById(product.id)).toEqual(expected);
        expect(ids((await list({ filter: { search: 'renamed kettle' } })).nodes)).toEqual([product.id]);
      });

      it('replaces the images', async () => {
        const product = await createAsAdmin();
        const images = [
          { url: 'https://images.example.test/gw/new-1.jpg', width: 100, height: 200, alt: 'One' },
          { url: 'https://images.example.test/gw/new-2.jpg', width: 300, height: 400, alt: 'Two' },
        ];
        const response = await send(UPDATE, { id: product.id, input: { images } }, 'admin');
        expect(response.body.data!.updateProduct.product.images).toEqual(images);
        expect((await productById(product.id)).images).toEqual(images);
      });

      it.each<[string, Record<string, unknown>, { field: string | null; code: string }]>([
        ['an empty input', {}, { field: null, code: 'NOTHING_TO_UPDATE' }],
        ['a price above the maximum', { priceAmount: 10_000_001 }, { field: 'priceAmount', code: 'INVALID_PRICE' }],
        ['negative stock', { stockQuantity: -3 }, { field: 'stockQuantity', code: 'INVALID_STOCK' }],
        ['a blank name', { name: '' }, { field: 'name', code: 'INVALID_NAME' }],
        ['an invalid slug', { slug: '-leading-hyphen' }, { field: 'slug', code: 'INVALID_SLUG' }],
        ['a slug already taken', { slug: products[5]!.slug }, { field: 'slug', code: 'SLUG_TAKEN' }],
        ['an unknown category', { categoryId: UNKNOWN_ID }, { field: 'categoryId', code: 'CATEGORY_NOT_FOUND' }],
        [
          'an invalid image',
          { images: [{ url: 'not a url', width: 1, height: 1, alt: '' }] },
          { field: 'images', code: 'INVALID_IMAGE' },
        ],
      ])('refuses %s with a user error and changes nothing', async (_case, input, expected) => {
        const product = await createAsAdmin();
        expect(await userErrorsOf(UPDATE, { id: product.id, input })).toEqual([expected]);
        expect(await productById(product.id)).toEqual(product);
      });

      it('answers NOT_FOUND for an unknown product', async () => {
        for (const id of [UNKNOWN_ID, 'not-a-uuid']) {
          const response = await send(UPDATE, { id, input: { name: 'Ghost' } }, 'admin');
          expect(errorCodes(response)).toEqual(['NOT_FOUND']);
          expect(response.body.data?.updateProduct ?? null).toBeNull();
        }
      });
    });

    describe('adjustStock', () => {
      it('adds and removes stock, and the change is visible afterwards', async () => {
        const product = await createAsAdmin({ stockQuantity: 4 });
        const added = await send(ADJUST, { id: product.id, delta: 6 }, 'admin');
        expect(added.body.errors).toBeUndefined();
        expect(added.body.data!.adjustStock).toMatchObject({
          product: { id: product.id, stockQuantity: 10, inStock: true },
          userErrors: [],
        });
        expect(await productById(product.id)).toMatchObject({ stockQuantity: 10, inStock: true });

        const emptied = await send(ADJUST, { id: product.id, delta: -10 }, 'admin');
        expect(emptied.body.data!.adjustStock).toMatchObject({ product: { stockQuantity: 0, inStock: false }, userErrors: [] });
        expect(await productById(product.id)).toMatchObject({ stockQuantity: 0, inStock: false });
        const soldOutNow = await list({ filter: { inStock: false, search: product.sku } });
        expect(ids(soldOutNow.nodes)).toEqual([product.id]);
      });

      it('adjusts a seeded product', async () => {
        const product = products.find((each) => each.stockQuantity > 0 && each.id !== target.id)!;
        const response = await send(ADJUST, { id: product.id, delta: 5 }, 'admin');
        expect(response.body.data!.adjustStock.userErrors).toEqual([]);
        expect(await productById(product.id)).toEqual({ ...shown(product), stockQuantity: product.stockQuantity + 5 });
      });

      it.each<[string, number, number, { field: string; code: string }]>([
        ['taking more than the stock', 3, -4, { field: 'delta', code: 'INSUFFICIENT_STOCK' }],
        ['going above the maximum stock', 999_999, 2, { field: 'delta', code: 'INVALID_STOCK' }],
        ['a delta beyond a million', 3, 1_000_001, { field: 'delta', code: 'INVALID_DELTA' }],
      ])('refuses %s with a user error and leaves the stock as it was', async (_case, stockQuantity, delta, expected) => {
        const product = await createAsAdmin({ stockQuantity });
        expect(await userErrorsOf(ADJUST, { id: product.id, delta })).toEqual([expected]);
        expect((await productById(product.id)).stockQuantity).toBe(stockQuantity);
      });

      it('answers NOT_FOUND for an unknown product', async () => {
        for (const id of [UNKNOWN_ID, 'not-a-uuid']) {
          const response = await send(ADJUST, { id, delta: 1 }, 'admin');
          expect(errorCodes(response)).toEqual(['NOT_FOUND']);
          expect(response.body.data?.adjustStock ?? null).toBeNull();
        }
      });
    });
  });
});
