import { badUserInput } from '@storefront/resolver-kit';
import type { Prisma } from './generated/prisma/client.js';
import { given } from './product-input.js';

export interface ProductFilterInput {
  categoryId?: string | null;
  categorySlug?: string | null;
  search?: string | null;
  inStock?: boolean | null;
}

const MAX_SEARCH = 100;

/** The rows a product listing's filter selects; a search longer than MAX_SEARCH is refused. */
export function productWhere(filter: ProductFilterInput | null | undefined): Prisma.ProductWhereInput {
  const search = filter?.search?.trim();
  if (search && search.length > MAX_SEARCH) {
    throw badUserInput(`search must be at most ${MAX_SEARCH} characters.`, 'search');
  }
  const pattern = search ? likeLiteral(search) : undefined;
  return {
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
}

/**
 * `text` for Prisma's `contains`, which becomes `ILIKE '%' || text || '%'` without escaping:
 * `%`, `_` and the escape character `\` itself are escaped, so a search for "%" finds a
 * percent sign rather than every product.
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
