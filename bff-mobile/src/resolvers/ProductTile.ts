import type { ProductTileResolvers } from '../generated/graphql.js';
import { THUMBNAIL_SIZE, moneyLabel, sizedImageUrl } from '../display.js';

export const ProductTile: ProductTileResolvers = {
  priceLabel: (product, _args, { locale }) => moneyLabel(product.price, locale),
  thumbnailUrl: (product) => sizedImageUrl(product.images, THUMBNAIL_SIZE),
};
