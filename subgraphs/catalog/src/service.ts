import type { Viewer } from '@storefront/auth';
import { after, decodeCursor, pageSize, toConnection, type Connection } from '@storefront/subgraph-server';
import { badUserInput, forbidden, isUuid, notFound, unauthenticated } from '@storefront/resolver-kit';
import { catalogEvents } from '@storefront/catalog-events';
import type { UserErrorData } from '@storefront/user-errors';
import type { Category, Prisma, PrismaClient, Product } from './generated/prisma/client.js';
import type { Loaders } from './loaders.js';
import { productChanged, writeOutbox, type ProductChange } from './outbox.js';

export type ProductResult = { product: Product; userErrors: [] } | { product: null; userErrors: UserErrorData[] };

export interface ProductFilterInput {
  categoryId?: string | null;
  categorySlug?: string | null;
  search?: string | null;
  inStock?: boolean | null;
}

interface ImageData {
  url: string;
  width: number;
  height: number;
  alt: string;
}

/** Fields of a product an admin sets; null or absent means "not given". */
export interface ProductFieldsInput {
  sku?: string | null;
  slug?: string | null;
  name?: string | null;
  description?: string | null;
  priceAmount?: number | null;
  currency?: string | null;
  stockQuantity?: number | null;
  categoryId?: string | null;
  images?: ImageData[] | null;
}

export interface CreateProductData extends ProductFieldsInput {
  sku: string;
  slug: string;
  name: string;
  description: string;
  priceAmount: number;
  stockQuantity: number;
  categoryId: string;
}

const DEFAULT_PAGE_SIZE = 20;
const DEFAULT_RELATED = 4;
const MAX_RELATED = 20;
const MAX_SEARCH = 100;
const MAX_PRICE = 10_000_000;
const MAX_STOCK = 1_000_000;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 5000;
const MAX_SKU = 64;
const MAX_SLUG = 200;
const MAX_IMAGES = 20;
const MAX_IMAGE_SIDE = 20_000;
const MAX_ALT = 500;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CURRENCY = /^[A-Z]{3}$/;

const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] satisfies Prisma.ProductOrderByWithRelationInput[];

const cursorOf = (product: Product) => ({ at: product.createdAt, id: product.id });

function emptyConnection(): Connection<Product> {
  return toConnection([], 1, 0, cursorOf);
}

/** The payload of a product mutation that failed with `userErrors` (no product). */
function productFailure(userErrors: UserErrorData[]): ProductResult {
  return { product: null, userErrors };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function given<Value>(value: Value | null | undefined): value is Value {
  return value !== null && value !== undefined;
}

/** Which unique column a Prisma P2002 error is about, from the driver adapter's constraint name. */
/**
 * `text` for Prisma's `contains`, which becomes `ILIKE '%' || text || '%'` without escaping:
 * `%`, `_` and the escape character `\` itself are escaped, so a search for "%" finds a
 * percent sign rather than every product.
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function uniqueViolation(error: unknown): 'sku' | 'slug' | undefined {
  const { code, meta } = error as { code?: string; meta?: Record<string, unknown> };
  if (code !== 'P2002') return undefined;
  const text = JSON.stringify(meta ?? {});
  if (text.includes('sku')) return 'sku';
  if (text.includes('slug')) return 'slug';
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

/**
 * Products, categories and stock. Reads are public; changes are for admins. Expected input
 * problems come back as user errors with the input field at fault; permission problems and
 * unknown products are raised as DomainErrors.
 */
export class CatalogService {
  /** Where this catalog's events go (the outbox rows carry it to the relay). */
  private readonly stream: string;

  constructor(
    private readonly prisma: PrismaClient,
    options: { stream?: string } = {},
  ) {
    this.stream = options.stream ?? catalogEvents.stream();
  }

  /** A product by id or by slug (exactly one); null when there is none. */
  async product(args: { id?: string | null; slug?: string | null }, loaders: Loaders): Promise<Product | null> {
    const { id, slug } = args;
    if (given(id) === given(slug)) throw badUserInput('Give exactly one of id and slug.');
    if (given(id)) return isUuid(id) ? loaders.productById.load(id) : null;
    const product = await this.prisma.product.findUnique({ where: { slug: slug! } });
    if (product) loaders.productById.prime(product.id, product);
    return product;
  }

  /** A category by id or by slug (exactly one); null when there is none. */
  async category(args: { id?: string | null; slug?: string | null }, loaders: Loaders): Promise<Category | null> {
    const { id, slug } = args;
    if (given(id) === given(slug)) throw badUserInput('Give exactly one of id and slug.');
    if (given(id)) return isUuid(id) ? loaders.categoryById.load(id) : null;
    const category = await this.prisma.category.findUnique({ where: { slug: slug! } });
    if (category) loaders.categoryById.prime(category.id, category);
    return category;
  }

  /** Every category in menu order. */
  async categories(loaders: Loaders): Promise<Category[]> {
    const rows = await this.prisma.category.findMany({ orderBy: [{ position: 'asc' }, { name: 'asc' }] });
    for (const row of rows) loaders.categoryById.prime(row.id, row);
    return rows;
  }

  /** Products matching `filter`, newest first, one keyset page at a time. */
  async products(
    filter: ProductFilterInput | null | undefined,
    first: number | null | undefined,
    afterCursor: string | null | undefined,
    loaders: Loaders,
  ): Promise<Connection<Product>> {
    const size = pageSize(first, DEFAULT_PAGE_SIZE);
    const cursor = given(afterCursor) ? decodeCursor(afterCursor) : null;
    const search = filter?.search?.trim();
    if (search && search.length > MAX_SEARCH) {
      throw badUserInput(`search must be at most ${MAX_SEARCH} characters.`, 'search');
    }
    const pattern = search ? likeLiteral(search) : undefined;
    if (given(filter?.categoryId) && !isUuid(filter.categoryId)) return emptyConnection();

    const where: Prisma.ProductWhereInput = {
      ...(given(filter?.categoryId) ? { categoryId: filter.categoryId } : {}),
      ...(given(filter?.categorySlug) ? { category: { slug: filter.categorySlug } } : {}),
      ...(given(filter?.inStock) ? { stockQuantity: filter.inStock ? { gt: 0 } : { equals: 0 } } : {}),
      ...(pattern
        ? {
            OR: [
              { name: { contains: pattern, mode: 'insensitive' } },
              { description: { contains: pattern, mode: 'insensitive' } },
              { sku: { contains: pattern, mode: 'insensitive' } },
            ],
          }
        : {}),
    };
    const [rows, totalCount] = await Promise.all([
      this.prisma.product.findMany({
        where: cursor ? { AND: [where, after('createdAt', cursor) as Prisma.ProductWhereInput] } : where,
        orderBy: NEWEST_FIRST,
        take: size + 1,
      }),
      this.prisma.product.count({ where }),
    ]);
    for (const row of rows) loaders.productById.prime(row.id, row);
    return toConnection(rows, size, totalCount, cursorOf);
  }

  /** One category's products, newest first; batched across the categories of a request. */
  async categoryProducts(
    category: Pick<Category, 'id'>,
    args: { first?: number | null; after?: string | null; inStock?: boolean | null },
    loaders: Loaders,
  ): Promise<Connection<Product>> {
    const size = pageSize(args.first, DEFAULT_PAGE_SIZE);
    const cursor = given(args.after) ? decodeCursor(args.after) : null;
    const page = await loaders.categoryPage.load({
      categoryId: category.id,
      limit: size + 1,
      after: cursor,
      inStock: args.inStock ?? null,
    });
    return toConnection(page.rows, size, page.totalCount, cursorOf);
  }

  /** Other products of the product's category, newest first. */
  related(product: Pick<Product, 'id' | 'categoryId'>, first: number | null | undefined, loaders: Loaders): Promise<Product[]> {
    const size = pageSize(first, DEFAULT_RELATED, MAX_RELATED);
    return loaders.related.load({ productId: product.id, categoryId: product.categoryId, first: size });
  }

  /** Creates a product and its `ProductChanged` event in one transaction. */
  async createProduct(
    viewer: Viewer | undefined,
    input: CreateProductData,
    loaders: Loaders,
    requestId?: string,
  ): Promise<ProductResult> {
    assertAdmin(viewer);
    const errors = validateFields({ ...input, currency: input.currency ?? 'USD' });
    if (!isUuid(input.categoryId) || (await loaders.categoryById.load(input.categoryId)) === null) {
      errors.push(categoryNotFound());
    }
    if (errors.length > 0) return productFailure(errors);
    try {
      const product = await this.prisma.$transaction(async (tx) => {
        const created = await tx.product.create({
          data: {
            sku: input.sku.trim(),
            slug: input.slug,
            name: input.name.trim(),
            description: input.description,
            priceAmount: input.priceAmount,
            currency: input.currency ?? 'USD',
            stockQuantity: input.stockQuantity,
            categoryId: input.categoryId,
            images: { create: (input.images ?? []).map((image, position) => ({ ...image, position })) },
          },
        });
        await writeOutbox(tx, this.stream, [productChanged(created, ['stock', 'price', 'content'], requestId)]);
        return created;
      });
      loaders.productById.prime(product.id, product);
      return { product, userErrors: [] };
    } catch (error) {
      return productFailure([writeFailure(error)]);
    }
  }

  /**
   * Changes the given fields; new images replace the old ones, and a `ProductChanged` event
   * naming what really changed is written, all in one transaction.
   */
  async updateProduct(
    viewer: Viewer | undefined,
    id: string,
    input: ProductFieldsInput,
    loaders: Loaders,
    requestId?: string,
  ): Promise<ProductResult> {
    assertAdmin(viewer);
    if (!isUuid(id) || (await loaders.productById.load(id)) === null) throw notFound('Product');
    const changes = Object.entries(input).filter(([, value]) => given(value));
    if (changes.length === 0) {
      return productFailure([{ field: null, message: 'Give at least one field to change.', code: 'NOTHING_TO_UPDATE' }]);
    }
    const errors = validateFields(input);
    if (given(input.categoryId) && (!isUuid(input.categoryId) || (await loaders.categoryById.load(input.categoryId)) === null)) {
      errors.push(categoryNotFound());
    }
    if (errors.length > 0) return productFailure(errors);
    try {
      const product = await this.prisma.$transaction(async (tx) => {
        // The row as it was, locked until commit, so the event names exactly what this update changed.
        const [before] = await tx.$queryRaw<ProductFields[]>`
          SELECT sku, slug, name, description, price_amount AS "priceAmount", currency,
                 stock_quantity AS "stockQuantity", category_id AS "categoryId"
          FROM products WHERE id = ${id}::uuid FOR UPDATE`;
        if (!before) throw notFound('Product');
        const after = await tx.product.update({
          where: { id },
          data: {
            ...(given(input.sku) ? { sku: input.sku.trim() } : {}),
            ...(given(input.slug) ? { slug: input.slug } : {}),
            ...(given(input.name) ? { name: input.name.trim() } : {}),
            ...(given(input.description) ? { description: input.description } : {}),
            ...(given(input.priceAmount) ? { priceAmount: input.priceAmount } : {}),
            ...(given(input.currency) ? { currency: input.currency } : {}),
            ...(given(input.stockQuantity) ? { stockQuantity: input.stockQuantity } : {}),
            ...(given(input.categoryId) ? { category: { connect: { id: input.categoryId } } } : {}),
            ...(given(input.images)
              ? { images: { deleteMany: {}, create: input.images.map((image, position) => ({ ...image, position })) } }
              : {}),
          },
        });
        const changes = productChanges(before, after, given(input.images));
        if (changes.length > 0) await writeOutbox(tx, this.stream, [productChanged(after, changes, requestId)]);
        return after;
      });
      loaders.productById.clear(id).prime(id, product);
      loaders.imagesByProductId.clear(id);
      return { product, userErrors: [] };
    } catch (error) {
      if (errorCode(error) === 'P2025') throw notFound('Product');
      return productFailure([writeFailure(error)]);
    }
  }

  /**
   * Adds `delta` to the stock in one conditional UPDATE, so concurrent adjustments can never
   * take it below zero (nor above the maximum): the row lock serialises them and the condition
   * is checked again against the committed value. The `ProductChanged` event commits with it.
   */
  async adjustStock(
    viewer: Viewer | undefined,
    id: string,
    delta: number,
    loaders: Loaders,
    requestId?: string,
  ): Promise<ProductResult> {
    assertAdmin(viewer);
    if (!isUuid(id)) throw notFound('Product');
    if (!Number.isInteger(delta) || Math.abs(delta) > MAX_STOCK) {
      return productFailure([
        { field: 'delta', message: `delta must be between -${MAX_STOCK} and ${MAX_STOCK}.`, code: 'INVALID_DELTA' },
      ]);
    }
    const product = await this.prisma.$transaction(async (tx) => {
      const [adjusted] = await tx.product.updateManyAndReturn({
        where: { id, stockQuantity: { gte: Math.max(0, -delta), lte: MAX_STOCK - Math.max(0, delta) } },
        data: { stockQuantity: { increment: delta } },
      });
      if (adjusted && delta !== 0) await writeOutbox(tx, this.stream, [productChanged(adjusted, ['stock'], requestId)]);
      return adjusted;
    });
    if (product) {
      loaders.productById.clear(id).prime(id, product);
      return { product, userErrors: [] };
    }
    const current = await this.prisma.product.findUnique({ where: { id }, select: { stockQuantity: true } });
    if (!current) throw notFound('Product');
    if (delta < 0) {
      return productFailure([
        {
          field: 'delta',
          message: `Only ${current.stockQuantity} in stock; cannot remove ${-delta}.`,
          code: 'INSUFFICIENT_STOCK',
        },
      ]);
    }
    return productFailure([{ field: 'delta', message: `Stock cannot exceed ${MAX_STOCK}.`, code: 'INVALID_STOCK' }]);
  }
}

type ProductFields = Pick<
  Product,
  'sku' | 'slug' | 'name' | 'description' | 'priceAmount' | 'currency' | 'stockQuantity' | 'categoryId'
>;

/** What an update changed, in the terms caches care about. */
function productChanges(before: ProductFields, after: ProductFields, imagesReplaced: boolean): ProductChange[] {
  const changes: ProductChange[] = [];
  if (before.stockQuantity !== after.stockQuantity) changes.push('stock');
  if (before.priceAmount !== after.priceAmount || before.currency !== after.currency) changes.push('price');
  const content = (['sku', 'slug', 'name', 'description', 'categoryId'] as const).some((field) => before[field] !== after[field]);
  if (content || imagesReplaced) changes.push('content');
  return changes;
}

function assertAdmin(viewer: Viewer | undefined): asserts viewer is Viewer {
  if (!viewer) throw unauthenticated();
  if (viewer.role !== 'ADMIN') throw forbidden('Only admins can change the catalog.');
}

function categoryNotFound(): UserErrorData {
  return { field: 'categoryId', message: 'No such category.', code: 'CATEGORY_NOT_FOUND' };
}

/** A failed write as a user error: unique SKU or slug taken, or a category deleted meanwhile. */
function writeFailure(error: unknown): UserErrorData {
  const column = uniqueViolation(error);
  if (column === 'sku') return { field: 'sku', message: 'Another product has this SKU.', code: 'SKU_TAKEN' };
  if (column === 'slug') return { field: 'slug', message: 'Another product has this slug.', code: 'SLUG_TAKEN' };
  if (errorCode(error) === 'P2003') return categoryNotFound();
  throw error;
}

/** Checks the given fields only; absent fields are left to the caller (create requires them by schema). */
function validateFields(input: ProductFieldsInput): UserErrorData[] {
  const errors: UserErrorData[] = [];
  const add = (field: string, code: string, message: string) => errors.push({ field, code, message });
  if (given(input.sku)) {
    const sku = input.sku.trim();
    if (sku.length < 1 || sku.length > MAX_SKU || !SKU.test(sku)) {
      add('sku', 'INVALID_SKU', `SKU must be 1 to ${MAX_SKU} letters, digits, dots, dashes or underscores.`);
    }
  }
  if (given(input.slug) && (input.slug.length > MAX_SLUG || !SLUG.test(input.slug))) {
    add('slug', 'INVALID_SLUG', `Slug must be up to ${MAX_SLUG} lower-case letters and digits, separated by single hyphens.`);
  }
  if (given(input.name)) {
    const name = input.name.trim();
    if (name.length < 1 || name.length > MAX_NAME) add('name', 'INVALID_NAME', `Name must be 1 to ${MAX_NAME} characters long.`);
  }
  if (given(input.description) && input.description.length > MAX_DESCRIPTION) {
    add('description', 'INVALID_DESCRIPTION', `Description must be at most ${MAX_DESCRIPTION} characters long.`);
  }
  if (
    given(input.priceAmount) &&
    (!Number.isInteger(input.priceAmount) || input.priceAmount < 0 || input.priceAmount > MAX_PRICE)
  ) {
    add('priceAmount', 'INVALID_PRICE', `Price must be 0 to ${MAX_PRICE} minor units.`);
  }
  if (given(input.currency) && !CURRENCY.test(input.currency)) {
    add('currency', 'INVALID_CURRENCY', 'Currency must be an ISO 4217 code such as USD.');
  }
  if (
    given(input.stockQuantity) &&
    (!Number.isInteger(input.stockQuantity) || input.stockQuantity < 0 || input.stockQuantity > MAX_STOCK)
  ) {
    add('stockQuantity', 'INVALID_STOCK', `Stock must be 0 to ${MAX_STOCK}.`);
  }
  if (given(input.images)) {
    const bad = input.images.length > MAX_IMAGES || input.images.some((image) => !validImage(image));
    if (bad) {
      add(
        'images',
        'INVALID_IMAGE',
        `Give up to ${MAX_IMAGES} images, each with an http(s) URL, a size of 1 to ${MAX_IMAGE_SIDE} pixels and alt text up to ${MAX_ALT} characters.`,
      );
    }
  }
  return errors;
}

function validImage(image: ImageData): boolean {
  const side = (value: number) => Number.isInteger(value) && value >= 1 && value <= MAX_IMAGE_SIDE;
  return (
    isHttpUrl(image.url) && image.url.length <= 2000 && side(image.width) && side(image.height) && image.alt.length <= MAX_ALT
  );
}
