import type { ProductResolvers } from '../generated/graphql.js';
import { DETAIL_IMAGE_SIZE, moneyLabel, sizedImageUrl, stockLabel } from '../display.js';

export const Product: ProductResolvers = {
  priceLabel: (product, _args, { locale }) => moneyLabel(product.price, locale),
  imageUrl: (product) => sizedImageUrl(product.images, DETAIL_IMAGE_SIZE),
  stockLabel: (product, _args, { language }) => stockLabel(product.stockQuantity, language),
};
