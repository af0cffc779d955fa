import { categories, products } from './seed-data.js';
import { errorCodes } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCatalog, type Caller, type TestCatalog } from '../test/support.js';

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await startTestCatalog();
});
afterAll(async () => {
  await catalog?.stop();
});

const kitchen = categories.find((category) => category.slug === 'kitchen')!;
const books = categories.find((category) => category.slug === 'books')!;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const PRODUCT_FIELDS =
  'id sku slug name description stockQuantity inStock currency: price { currency } price { amount } category { slug } images { url width height alt }';
const PAYLOAD = `product { ${PRODUCT_FIELDS} } userErrors { field code message }`;
const PRODUCT = `query ($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`;
const CREATE = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { ${PAYLOAD} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { ${PAYLOAD} } }`;
const ADJUST = `mutation ($id: ID!, $delta: Int!) { adjustStock(id: $id, delta: $delta) { ${PAYLOAD} } }`;
const STOCK = 'query ($id: ID!) { product(id: $id) { stockQuantity inStock } }';

let created = 0;
function newProduct(overrides: Record<string, unknown> = {}) {
  created += 1;
  return {
    sku: `TEST-${created}`,
    slug: `test-product-${created}`,
    name: `Test Product ${created}`,
    description: 'A product made by a test.',
    priceAmount: 1234,
    stockQuantity: 10,
    categoryId: kitchen.id,
    images: [
      { url: `https://images.example.test/${created}/front.jpg`, width: 800, height: 600, alt: 'Front' },
      { url: `https://images.example.test/${created}/back.jpg`, width: 800, height: 600, alt: 'Back' },
    ],
    ...overrides,
  };
}

async function createAsAdmin(overrides: Record<string, unknown> = {}) {
  const { body } = await catalog.query(CREATE, { input: newProduct(overrides) }, 'admin');
  expect(body.data!.createProduct.userErrors).toEqual([]);
  return body.data!.createProduct.product;
}

async function totalProducts(): Promise<number> {
  return (await catalog.query('{ products { totalCount } }')).body.data!.products.totalCount;
}

async function userErrorsOf(mutation: string, variables: Record<string, unknown>, name: string) {
  const { body } = await catalog.query(mutation, variables, 'admin');
  expect(body.errors).toBeUndefined();
  expect(body.data![name].product).toBeNull();
  return body.data![name].userErrors.map(({ field, code }: { field: string | null; code: string }) => ({ field, code }));
}

describe.each([
  ['createProduct', CREATE, () => ({ input: newProduct() })],
  ['updateProduct', UPDATE, () => ({ id: products[0]!.id, input: { name: 'Hacked' } })],
  ['adjustStock', ADJUST, () => ({ id: products[0]!.id, delta: 5 })],
])('%s permissions', (name, mutation, variables) => {
  it.each<[Caller, string]>([
    ['anonymous', 'UNAUTHENTICATED'],
    ['customer', 'FORBIDDEN'],
  ])('refuses %s callers with %s and changes nothing', async (caller, code) => {
    const before = (await catalog.query('query ($id: ID!) { product(id: $id) { name stockQuantity } }', { id: products[0]!.id }))
      .body.data;
    const count = await totalProducts();
    const response = await catalog.query(mutation, variables(), caller);
    expect(errorCodes(response)).toEqual([code]);
    expect(response.body.data).toBeNull();
    expect(await totalProducts()).toBe(count);
    expect(
      (await catalog.query('query ($id: ID!) { product(id: $id) { name stockQuantity } }', { id: products[0]!.id })).body.data,
    ).toEqual(before);
  });
});

describe('createProduct', () => {
  it('creates a product with its images in order, in USD unless told otherwise', async () => {
    const input = newProduct();
    const { body } = await catalog.query(CREATE, { input }, 'admin');
    expect(body.errors).toBeUndefined();
    const product = body.data!.createProduct.product;
    expect(body.data!.createProduct.userErrors).toEqual([]);
    expect(product).toMatchObject({
      sku: input.sku,
      slug: input.slug,
      name: input.name,
      stockQuantity: 10,
      inStock: true,
      currency: { currency: 'USD' },
      price: { amount: 1234 },
      category: { slug: 'kitchen' },
      images: input.images,
    });
    const listed = await catalog.query('{ products(first: 1) { nodes { id } } }');
    expect(listed.body.data!.products.nodes).toEqual([{ id: product.id }]);
    const bySlug = await catalog.query('query ($slug: String!) { product(slug: $slug) { id } }', { slug: input.slug });
    expect(bySlug.body.data!.product).toEqual({ id: product.id });

    const euro = await createAsAdmin({ currency: 'EUR', images: null, stockQuantity: 0 });
    expect(euro).toMatchObject({ currency: { currency: 'EUR' }, images: [], inStock: false });
  });

  it.each<[string, Record<string, unknown>, { field: string; code: string }]>([
    ['a negative price', { priceAmount: -1 }, { field: 'priceAmount', code: 'INVALID_PRICE' }],
    ['a price above the maximum', { priceAmount: 10_000_001 }, { field: 'priceAmount', code: 'INVALID_PRICE' }],
    ['negative stock', { stockQuantity: -1 }, { field: 'stockQuantity', code: 'INVALID_STOCK' }],
    ['stock above the maximum', { stockQuantity: 1_000_001 }, { field: 'stockQuantity', code: 'INVALID_STOCK' }],
    ['a blank name', { name: '   ' }, { field: 'name', code: 'INVALID_NAME' }],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, { field: 'name', code: 'INVALID_NAME' }],
    [
      'a description over 5000 characters',
      { description: 'd'.repeat(5001) },
      { field: 'description', code: 'INVALID_DESCRIPTION' },
    ],
    ['an upper-case slug', { slug: 'Bad-Slug' }, { field: 'slug', code: 'INVALID_SLUG' }],
    ['a slug with spaces', { slug: 'bad slug' }, { field: 'slug', code: 'INVALID_SLUG' }],
    ['a blank SKU', { sku: ' ' }, { field: 'sku', code: 'INVALID_SKU' }],
    ['a lower-case currency', { currency: 'usd' }, { field: 'currency', code: 'INVALID_CURRENCY' }],
    ['a four-letter currency', { currency: 'USDX' }, { field: 'currency', code: 'INVALID_CURRENCY' }],
    ['an unknown category', { categoryId: UNKNOWN_ID }, { field: 'categoryId', code: 'CATEGORY_NOT_FOUND' }],
    ['a category id that is not a UUID', { categoryId: 'kitchen' }, { field: 'categoryId', code: 'CATEGORY_NOT_FOUND' }],
    [
      'an image without an http URL',
      { images: [{ url: 'javascript:alert(1)', width: 10, height: 10, alt: '' }] },
      { field: 'images', code: 'INVALID_IMAGE' },
    ],
    [
      'an image of zero width',
      { images: [{ url: 'https://x.test/a.jpg', width: 0, height: 10, alt: '' }] },
      { field: 'images', code: 'INVALID_IMAGE' },
    ],
    ['a slug already taken', { slug: products[0]!.slug }, { field: 'slug', code: 'SLUG_TAKEN' }],
    ['a SKU already taken', { sku: products[0]!.sku }, { field: 'sku', code: 'SKU_TAKEN' }],
  ])('refuses %s with a user error and creates nothing', async (_case, overrides, expected) => {
    const count = await totalProducts();
    expect(await userErrorsOf(CREATE, { input: newProduct(overrides) }, 'createProduct')).toEqual([expected]);
    expect(await totalProducts()).toBe(count);
  });

  it('reports every invalid field at once', async () => {
    const errors = await userErrorsOf(
      CREATE,
      { input: newProduct({ priceAmount: -5, name: '', currency: 'x' }) },
      'createProduct',
    );
    expect(errors.map((error: { field: string }) => error.field).sort()).toEqual(['currency', 'name', 'priceAmount']);
  });
});

describe('updateProduct', () => {
  it('changes the given fields and keeps the others', async () => {
    const product = await createAsAdmin();
    const { body } = await catalog.query(UPDATE, { id: product.id, input: { name: '  Renamed  ', priceAmount: 999 } }, 'admin');
    expect(body.data!.updateProduct.userErrors).toEqual([]);
    expect(body.data!.updateProduct.product).toEqual({ ...product, name: 'Renamed', price: { amount: 999 } });
  });

  it('replaces the images, or removes them all', async () => {
    const product = await createAsAdmin();
    const images = [
      { url: 'https://images.example.test/new/1.jpg', width: 100, height: 200, alt: 'One' },
      { url: 'https://images.example.test/new/2.jpg', width: 300, height: 400, alt: 'Two' },
      { url: 'https://images.example.test/new/3.jpg', width: 500, height: 600, alt: 'Three' },
    ];
    const replaced = await catalog.query(UPDATE, { id: product.id, input: { images } }, 'admin');
    expect(replaced.body.data!.updateProduct.product.images).toEqual(images);
    const reread = await catalog.query('query ($id: ID!) { product(id: $id) { images { url width height alt } } }', {
      id: product.id,
    });
    expect(reread.body.data!.product.images).toEqual(images);
    const cleared = await catalog.query(UPDATE, { id: product.id, input: { images: [] } }, 'admin');
    expect(cleared.body.data!.updateProduct.product.images).toEqual([]);
  });

  it('moves a product to another category', async () => {
    const COUNTS = '{ categories { slug productCount } }';
    const countOf = async (slug: string) =>
      (await catalog.query(COUNTS)).body.data!.categories.find((category: { slug: string }) => category.slug === slug)
        .productCount;
    const product = await createAsAdmin();
    const [kitchenBefore, booksBefore] = [await countOf('kitchen'), await countOf('books')];
    const { body } = await catalog.query(UPDATE, { id: product.id, input: { categoryId: books.id } }, 'admin');
    expect(body.data!.updateProduct.product.category).toEqual({ slug: 'books' });
    expect([await countOf('kitchen'), await countOf('books')]).toEqual([kitchenBefore - 1, booksBefore + 1]);
  });

  it.each<[string, Record<string, unknown>, { field: string | null; code: string }]>([
    ['an empty input', {}, { field: null, code: 'NOTHING_TO_UPDATE' }],
    ['only null fields', { name: null, images: null }, { field: null, code: 'NOTHING_TO_UPDATE' }],
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
    expect(await userErrorsOf(UPDATE, { id: product.id, input }, 'updateProduct')).toEqual([expected]);
    expect((await catalog.query(PRODUCT, { id: product.id })).body.data!.product).toEqual(product);
  });

  it('answers NOT_FOUND for unknown products', async () => {
    for (const id of [UNKNOWN_ID, 'not-a-uuid']) {
      const response = await catalog.query(UPDATE, { id, input: { name: 'x' } }, 'admin');
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    }
  });
});

describe('adjustStock', () => {
  it('adds and removes stock', async () => {
    const product = await createAsAdmin({ stockQuantity: 4 });
    const added = await catalog.query(ADJUST, { id: product.id, delta: 6 }, 'admin');
    expect(added.body.data!.adjustStock).toMatchObject({ product: { stockQuantity: 10, inStock: true }, userErrors: [] });
    const emptied = await catalog.query(ADJUST, { id: product.id, delta: -10 }, 'admin');
    expect(emptied.body.data!.adjustStock).toMatchObject({ product: { stockQuantity: 0, inStock: false }, userErrors: [] });
  });

  it('refuses to go below zero and leaves the stock as it was', async () => {
    const product = await createAsAdmin({ stockQuantity: 3 });
    expect(await userErrorsOf(ADJUST, { id: product.id, delta: -4 }, 'adjustStock')).toEqual([
      { field: 'delta', code: 'INSUFFICIENT_STOCK' },
    ]);
    expect((await catalog.query(STOCK, { id: product.id })).body.data!.product).toEqual({ stockQuantity: 3, inStock: true });
  });

  it('refuses to exceed the maximum stock', async () => {
    const product = await createAsAdmin({ stockQuantity: 999_999 });
    expect(await userErrorsOf(ADJUST, { id: product.id, delta: 2 }, 'adjustStock')).toEqual([
      { field: 'delta', code: 'INVALID_STOCK' },
    ]);
    expect((await catalog.query(STOCK, { id: product.id })).body.data!.product.stockQuantity).toBe(999_999);
  });

  it('lets exactly one of two concurrent decrements through when together they exceed the stock', async () => {
    const product = await createAsAdmin({ stockQuantity: 5 });
    const results = await Promise.all([
      catalog.query(ADJUST, { id: product.id, delta: -3 }, 'admin'),
      catalog.query(ADJUST, { id: product.id, delta: -3 }, 'admin'),
    ]);
    const payloads = results.map((result) => result.body.data!.adjustStock);
    expect(payloads.filter((payload) => payload.product !== null)).toHaveLength(1);
    expect(payloads.flatMap((payload) => payload.userErrors.map((error: { code: string }) => error.code))).toEqual([
      'INSUFFICIENT_STOCK',
    ]);
    expect((await catalog.query(STOCK, { id: product.id })).body.data!.product.stockQuantity).toBe(2);
  });

  it('answers NOT_FOUND for unknown products', async () => {
    for (const id of [UNKNOWN_ID, 'not-a-uuid']) {
      expect(errorCodes(await catalog.query(ADJUST, { id, delta: 1 }, 'admin'))).toEqual(['NOT_FOUND']);
    }
  });
});
