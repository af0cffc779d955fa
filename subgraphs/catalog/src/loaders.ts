import DataLoader from 'dataloader';
import { measuredBatch, type ServiceMetrics } from '@storefront/http-server';
import type { Cursor } from '@storefront/subgraph-server';
import { Prisma, type Category, type PrismaClient, type Product, type ProductImage } from './generated/prisma/client.js';

/** One page of one category's products: the rows (up to `limit`) and how many match in all. */
interface CategoryPage {
  rows: Product[];
  totalCount: number;
}

interface CategoryPageKey {
  categoryId: string;
  /** Rows to fetch: the page size plus one, to tell whether there is a next page. */
  limit: number;
  after: Cursor | null;
  inStock: boolean | null;
}

interface RelatedKey {
  productId: string;
  categoryId: string;
  first: number;
}

export interface Loaders {
  productById: DataLoader<string, Product | null>;
  categoryById: DataLoader<string, Category | null>;
  imagesByProductId: DataLoader<string, ProductImage[]>;
  productCountByCategoryId: DataLoader<string, number>;
  categoryPage: DataLoader<CategoryPageKey, CategoryPage, string>;
  related: DataLoader<RelatedKey, Product[], string>;
}

// Raw statements return columns under their SQL names; these aliases give Prisma's model shape.
const PRODUCT_COLUMNS = Prisma.sql`p.id, p.sku, p.slug, p.name, p.description, p.price_amount AS "priceAmount",
  p.currency, p.stock_quantity AS "stockQuantity", p.category_id AS "categoryId",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

/**
 * The newest `limit` products of each category in ONE statement: a LATERAL subquery per
 * category walks the (category_id, created_at, id) index backwards and stops at the limit.
 */
async function newestPerCategory(
  prisma: PrismaClient,
  categoryIds: readonly string[],
  limit: number,
  options: { after?: Cursor | null; inStock?: boolean | null } = {},
): Promise<Map<string, Product[]>> {
  const conditions = [Prisma.sql`p.category_id = c.id`];
  if (options.after) conditions.push(Prisma.sql`(p.created_at, p.id) < (${options.after.at}, ${options.after.id}::uuid)`);
  if (options.inStock === true) conditions.push(Prisma.sql`p.stock_quantity > 0`);
  if (options.inStock === false) conditions.push(Prisma.sql`p.stock_quantity = 0`);
  const rows = await prisma.$queryRaw<Product[]>`
    SELECT ${PRODUCT_COLUMNS}
    FROM unnest(${[...categoryIds]}::uuid[]) AS c(id)
    CROSS JOIN LATERAL (
      SELECT * FROM products p
      WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY p.created_at DESC, p.id DESC
      LIMIT ${limit}
    ) p`;
  const byCategory = new Map<string, Product[]>(categoryIds.map((id) => [id, []]));
  for (const row of rows) byCategory.get(row.categoryId)?.push(row);
  return byCategory;
}

function groupBy<Item>(items: readonly Item[], keyOf: (item: Item) => string): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

/** Fresh per request, so batching and caching never cross callers. Ids must be UUIDs. */
export function createLoaders(prisma: PrismaClient, batchSizes?: ServiceMetrics['dataloaderBatchSize']): Loaders {
  const measured = <Keys extends ReadonlyArray<unknown>, Result>(name: string, batch: (keys: Keys) => Result) =>
    measuredBatch(batchSizes, name, batch);
  const productById: Loaders['productById'] = new DataLoader(
    measured('productById', async (ids: readonly string[]) => {
      const rows = await prisma.product.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
  );

  const primeProducts = (rows: readonly Product[]) => {
    for (const row of rows) productById.prime(row.id, row);
  };

  return {
    productById,

    categoryById: new DataLoader(
      measured('categoryById', async (ids: readonly string[]) => {
        const rows = await prisma.category.findMany({ where: { id: { in: [...ids] } } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
      }),
    ),

    imagesByProductId: new DataLoader(
      measured('imagesByProductId', async (productIds: readonly string[]) => {
        const rows = await prisma.productImage.findMany({
          where: { productId: { in: [...productIds] } },
          orderBy: [{ productId: 'asc' }, { position: 'asc' }, { id: 'asc' }],
        });
        const byProduct = groupBy(rows, (row) => row.productId);
        return productIds.map((id) => byProduct.get(id) ?? []);
      }),
    ),

    productCountByCategoryId: new DataLoader(
      measured('productCountByCategoryId', async (categoryIds: readonly string[]) => {
        const counts = await prisma.product.groupBy({
          by: ['categoryId'],
          where: { categoryId: { in: [...categoryIds] } },
          _count: { _all: true },
        });
        const byCategory = new Map(counts.map((row) => [row.categoryId, row._count._all]));
        return categoryIds.map((id) => byCategory.get(id) ?? 0);
      }),
    ),

    // Keys of one operation usually share their arguments (`categories { products(first: 5) }`),
    // so each distinct set of arguments costs two statements, whatever the number of categories.
    categoryPage: new DataLoader(
      measured('categoryPage', async (keys: readonly CategoryPageKey[]) => {
        const pages = new Map<CategoryPageKey, CategoryPage>();
        const groups = groupBy(keys, (key) => JSON.stringify([key.limit, key.after, key.inStock]));
        await Promise.all(
          [...groups.values()].map(async (group) => {
            const { limit, after, inStock } = group[0]!;
            const categoryIds = [...new Set(group.map((key) => key.categoryId))];
            const [rows, counts] = await Promise.all([
              newestPerCategory(prisma, categoryIds, limit, { after, inStock }),
              prisma.product.groupBy({
                by: ['categoryId'],
                where: {
                  categoryId: { in: categoryIds },
                  ...(inStock === null ? {} : { stockQuantity: inStock ? { gt: 0 } : { equals: 0 } }),
                },
                _count: { _all: true },
              }),
            ]);
            const countOf = new Map(counts.map((row) => [row.categoryId, row._count._all]));
            for (const key of group) {
              const categoryRows = rows.get(key.categoryId) ?? [];
              primeProducts(categoryRows);
              pages.set(key, { rows: categoryRows, totalCount: countOf.get(key.categoryId) ?? 0 });
            }
          }),
        );
        return keys.map((key) => pages.get(key)!);
      }),
      { cacheKeyFn: (key) => JSON.stringify([key.categoryId, key.limit, key.after, key.inStock]) },
    ),

    // One statement for every product's `related` in the operation: the newest products of
    // each category involved, enough to fill the largest `first` after leaving a product out.
    related: new DataLoader(
      measured('related', async (keys: readonly RelatedKey[]) => {
        const limit = Math.max(...keys.map((key) => key.first)) + 1;
        const byCategory = await newestPerCategory(prisma, [...new Set(keys.map((key) => key.categoryId))], limit);
        return keys.map((key) => {
          const rows = (byCategory.get(key.categoryId) ?? []).filter((row) => row.id !== key.productId).slice(0, key.first);
          primeProducts(rows);
          return rows;
        });
      }),
      { cacheKeyFn: (key) => `${key.productId}:${key.first}` },
    ),
  };
}
