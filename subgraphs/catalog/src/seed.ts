import { assertSeedAllowed, stableId } from '@storefront/seed-data';
import { categories, products } from './seed-data.js';
import type { PrismaClient } from './generated/prisma/client.js';

/**
 * Writes the seed categories and products (with their images) in one transaction; a no-op
 * when any product exists, so restarts keep data. Returns whether it seeded.
 */
export async function seedCatalogIfEmpty(prisma: PrismaClient): Promise<boolean> {
  assertSeedAllowed();
  if ((await prisma.product.count()) > 0) return false;
  await prisma.$transaction([
    prisma.category.createMany({ data: [...categories], skipDuplicates: true }),
    prisma.product.createMany({
      data: products.map(({ images: _images, ...product }) => ({ ...product, updatedAt: product.createdAt })),
      skipDuplicates: true,
    }),
    prisma.productImage.createMany({
      data: products.flatMap((product) =>
        product.images.map((image, position) => ({
          id: stableId(`image:${product.id}:${position}`),
          productId: product.id,
          position,
          ...image,
        })),
      ),
      skipDuplicates: true,
    }),
  ]);
  return true;
}
