import { createHash } from 'node:crypto';
import { isUuid } from '@storefront/resolver-kit';
import type { UserErrorData } from '@storefront/user-errors';

export interface OrderLine {
  productId: string;
  quantity: number;
}

const MAX_LINES = 50;
const MAX_QUANTITY = 100;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,100}$/;

/** The problems of a placeOrder request before anything is looked up; empty when it is well-formed. */
export function validatePlaceOrder(lines: readonly OrderLine[], idempotencyKey: string): UserErrorData[] {
  const errors: UserErrorData[] = [];
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
    errors.push({
      field: 'idempotencyKey',
      message: 'idempotencyKey must be 1 to 100 characters of letters, digits, ".", "_", ":" or "-".',
      code: 'INVALID_IDEMPOTENCY_KEY',
    });
  }
  if (lines.length === 0) {
    errors.push({ field: 'items', message: 'An order needs at least one item.', code: 'EMPTY_ORDER' });
    return errors;
  }
  if (lines.length > MAX_LINES) {
    errors.push({ field: 'items', message: `An order has at most ${MAX_LINES} lines.`, code: 'TOO_MANY_ITEMS' });
    return errors;
  }
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      errors.push({
        field: `items.${index}.quantity`,
        message: `Quantity must be between 1 and ${MAX_QUANTITY}.`,
        code: 'INVALID_QUANTITY',
      });
    }
    if (!isUuid(line.productId)) {
      errors.push({
        field: `items.${index}.productId`,
        message: 'productId is not a valid product id.',
        code: 'INVALID_PRODUCT_ID',
      });
      return;
    }
    const id = line.productId.toLowerCase();
    if (seen.has(id)) {
      errors.push({
        field: `items.${index}.productId`,
        message: `Product ${id} appears more than once; order it once with the total quantity.`,
        code: 'DUPLICATE_PRODUCT',
      });
    }
    seen.add(id);
  });
  return errors;
}

/** Lines with canonical (lower-case) product ids, in the order given. */
export function normalizeLines(lines: readonly OrderLine[]): OrderLine[] {
  return lines.map(({ productId, quantity }) => ({ productId: productId.toLowerCase(), quantity }));
}

/**
 * Fingerprint of what was asked for: sha256 of the lines sorted by product id, so the same
 * items in another order hash alike. Stored with the order to tell a retry (same hash) from
 * a reused idempotency key (different hash).
 */
export function requestHash(lines: readonly OrderLine[]): string {
  const canonical = normalizeLines(lines)
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0))
    .map(({ productId, quantity }) => `${productId}:${quantity}`)
    .join('\n');
  return createHash('sha256').update(canonical).digest('hex');
}

/** `SF-` and the sequential number zero-padded to 6 digits: 42 is SF-000042. */
export function formatOrderNumber(number: number): string {
  return `SF-${String(number).padStart(6, '0')}`;
}
