import type { Viewer } from '@storefront/auth';
import type DataLoader from 'dataloader';
import { after, decodeCursor, pageSize, toConnection, type Connection } from '@storefront/subgraph-server';
import { badUserInput, forbidden, isUuid, notFound, unauthenticated } from '@storefront/resolver-kit';
import { catalogEvents } from '@storefront/catalog-events';
import type { Category, Prisma, PrismaClient, Product } from './generated/prisma/client.js';
import type { Loaders } from './loaders.js';
import { productWhere, type ProductFilterInput } from './product-filter.js';
import { productChanged, writeOutbox } from './outbox.js';
import {
  categoryNotFound,
  errorCode,
  given,
  MAX_STOCK,
  productChanges,
  productFailure,
  validateFields,
  writeFailure,
  type CreateProductData,
  type ProductFields,
  type ProductFieldsInput,
  type ProductResult,
} from './product-input.js';

const DEFAULT_PAGE_SIZE = 20;
const DEFAULT_RELATED = 4;
const MAX_RELATED = 20;
const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] satisfies Prisma.ProductOrderByWithRelationInput[];

const cursorOf = (product: Product) => ({ at: product.createdAt, id: product.id });

function emptyConnection(): Connection<Product> {
  return toConnection([], 1, 0, cursorOf);
}

/** A row by id (through its loader) or by slug (read, then primed into the loader); null when there is none. */
async function byIdOrSlug<Row extends { id: string }>(
  { id, slug }: { id?: string | null; slug?: string | null },
  byId: DataLoader<string, Row | null>,
  findBySlug: (slug: string) => Promise<Row | null>,
): Promise<Row | null> {
  if (given(id) === given(slug)) throw badUserInput('Give exactly one of id and slug.');
  if (given(id)) return isUuid(id) ? byId.load(id) : null;
  const row = await findBySlug(slug!);
  if (row) byId.prime(row.id, row);
  return row;
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
  product(args: { id?: string | null; slug?: string | null }, loaders: Loaders): Promise<Product | null> {
    return byIdOrSlug(args, loaders.productById, (slug) => this.prisma.product.findUnique({ where: { slug } }));
  }

  /** A category by id or by slug (exactly one); null when there is none. */
  category(args: { id?: string | null; slug?: string | null }, loaders: Loaders): Promise<Category | null> {
    return byIdOrSlug(args, loaders.categoryById, (slug) => this.prisma.category.findUnique({ where: { slug } }));
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
    const where = productWhere(filter);
    if (given(filter?.categoryId) && !isUuid(filter.categoryId)) return emptyConnection();
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

function assertAdmin(viewer: Viewer | undefined): asserts viewer is Viewer {
  if (!viewer) throw unauthenticated();
  if (viewer.role !== 'ADMIN') throw forbidden('Only admins can change the catalog.');
}
