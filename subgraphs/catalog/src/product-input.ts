/**
 * What an admin may write to a product, checked before any write: each field's limits, with
 * the input field at fault in every user error, and how a failed write or an update reads in
 * the terms of user errors and cache-relevant changes.
 */
import type { UserErrorData } from '@storefront/user-errors';
import type { Product } from './generated/prisma/client.js';
import type { ProductChange } from './outbox.js';

export type ProductResult = { product: Product; userErrors: [] } | { product: null; userErrors: UserErrorData[] };

/** The payload of a product mutation that failed with `userErrors` (no product). */
export function productFailure(userErrors: UserErrorData[]): ProductResult {
  return { product: null, userErrors };
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

const MAX_PRICE = 10_000_000;
export const MAX_STOCK = 1_000_000;
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

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function given<Value>(value: Value | null | undefined): value is Value {
  return value !== null && value !== undefined;
}

/** Which unique column a Prisma P2002 error is about, from the driver adapter's constraint name. */
function uniqueViolation(error: unknown): 'sku' | 'slug' | undefined {
  const { code, meta } = error as { code?: string; meta?: Record<string, unknown> };
  if (code !== 'P2002') return undefined;
  const text = JSON.stringify(meta ?? {});
  if (text.includes('sku')) return 'sku';
  if (text.includes('slug')) return 'slug';
  return undefined;
}

export function errorCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

export type ProductFields = Pick<
  Product,
  'sku' | 'slug' | 'name' | 'description' | 'priceAmount' | 'currency' | 'stockQuantity' | 'categoryId'
>;

/** What an update changed, in the terms caches care about. */
export function productChanges(before: ProductFields, after: ProductFields, imagesReplaced: boolean): ProductChange[] {
  const changes: ProductChange[] = [];
  if (before.stockQuantity !== after.stockQuantity) changes.push('stock');
  if (before.priceAmount !== after.priceAmount || before.currency !== after.currency) changes.push('price');
  const content = (['sku', 'slug', 'name', 'description', 'categoryId'] as const).some((field) => before[field] !== after[field]);
  if (content || imagesReplaced) changes.push('content');
  return changes;
}

export function categoryNotFound(): UserErrorData {
  return { field: 'categoryId', message: 'No such category.', code: 'CATEGORY_NOT_FOUND' };
}

/** A failed write as a user error: unique SKU or slug taken, or a category deleted meanwhile. */
export function writeFailure(error: unknown): UserErrorData {
  const column = uniqueViolation(error);
  if (column === 'sku') return { field: 'sku', message: 'Another product has this SKU.', code: 'SKU_TAKEN' };
  if (column === 'slug') return { field: 'slug', message: 'Another product has this slug.', code: 'SLUG_TAKEN' };
  if (errorCode(error) === 'P2003') return categoryNotFound();
  throw error;
}

/** Checks the given fields only; absent fields are left to the caller (create requires them by schema). */
export function validateFields(input: ProductFieldsInput): UserErrorData[] {
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
