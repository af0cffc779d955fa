import { formatMoney } from '@storefront/bff';
import type { GatewayMoney } from './gateway.js';

/** Languages the BFF writes its own texts in; the first is the fallback. */
export const LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** At or below this many units, the stock label says how many are left. */
const LOW_STOCK = 5;

const stockTexts: Record<Language, { inStock: string; outOfStock: string; onlyLeft: (count: number) => string }> = {
  en: { inStock: 'In stock', outOfStock: 'Out of stock', onlyLeft: (count) => `Only ${count} left` },
  de: { inStock: 'Auf Lager', outOfStock: 'Nicht auf Lager', onlyLeft: (count) => `Nur noch ${count} verfügbar` },
  fr: { inStock: 'En stock', outOfStock: 'Rupture de stock', onlyLeft: (count) => `Plus que ${count} en stock` },
};

/** Availability in words: In stock, Only 3 left, Out of stock. */
export function stockLabel(stockQuantity: number, language: Language): string {
  const texts = stockTexts[language];
  if (stockQuantity <= 0) return texts.outOfStock;
  return stockQuantity <= LOW_STOCK ? texts.onlyLeft(stockQuantity) : texts.inStock;
}

export function moneyLabel(money: GatewayMoney, locale: string): string {
  return formatMoney(money.amount, money.currency, locale);
}

/** Pixel sizes the image host renders for the app. */
export const THUMBNAIL_SIZE = 320;
export const DETAIL_IMAGE_SIZE = 960;

/** The first picture at `size`×`size` (the image host resizes by `w` and `h`); null without one. */
export function sizedImageUrl(images: ReadonlyArray<{ url: string }>, size: number): string | null {
  const [first] = images;
  if (!first) return null;
  try {
    const url = new URL(first.url);
    url.searchParams.set('w', String(size));
    url.searchParams.set('h', String(size));
    return url.toString();
  } catch {
    return first.url; // not an absolute URL: as it is, rather than none
  }
}
