import { useSyncExternalStore } from 'react';
import type { MoneyFragment } from '../generated/graphql.js';

export interface CartLine {
  productId: string;
  slug: string;
  name: string;
  /** The unit price when it was added, as the BFF formatted it; the order is priced at checkout. */
  price: MoneyFragment;
  quantity: number;
}

export interface Cart {
  lines: CartLine[];
  /**
   * The idempotency key of the checkout under way: made on the first attempt and kept (here,
   * so a reload keeps it too) until the order is placed, so a retry or a double click places
   * one order. Changing the cart starts a new checkout, with a new key.
   */
  checkoutKey?: string;
}

export const MAX_QUANTITY = 100;
const STORAGE_KEY = 'storefront.cart';
const empty: Cart = { lines: [] };
const listeners = new Set<() => void>();

// The parsed cart for the stored text, so every read of an unchanged cart is the same object.
let cached: { raw: string | null; cart: Cart } = { raw: null, cart: empty };

function read(): Cart {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (raw !== cached.raw) cached = { raw, cart: parse(raw) };
  return cached.cart;
}

function parse(raw: string | null): Cart {
  if (!raw) return empty;
  try {
    const value = JSON.parse(raw) as Cart;
    return Array.isArray(value.lines) ? value : empty;
  } catch {
    return empty;
  }
}

function write(cart: Cart): void {
  if (cart.lines.length === 0 && !cart.checkoutKey) localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, JSON.stringify(cart));
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Other tabs' changes arrive as storage events.
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

const clamp = (quantity: number) => Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(quantity) || 1));

/** Changes the lines, which makes it a new checkout (the old key is dropped). */
function changeLines(change: (lines: CartLine[]) => CartLine[]): void {
  write({ lines: change(read().lines) });
}

export const cartActions = {
  add(line: CartLine): void {
    changeLines((lines) => {
      const existing = lines.find((entry) => entry.productId === line.productId);
      if (!existing) return [...lines, { ...line, quantity: clamp(line.quantity) }];
      return lines.map((entry) => (entry === existing ? { ...line, quantity: clamp(entry.quantity + line.quantity) } : entry));
    });
  },
  setQuantity(productId: string, quantity: number): void {
    changeLines((lines) =>
      lines.map((entry) => (entry.productId === productId ? { ...entry, quantity: clamp(quantity) } : entry)),
    );
  },
  remove(productId: string): void {
    changeLines((lines) => lines.filter((entry) => entry.productId !== productId));
  },
  /** The key of the checkout under way, made (and kept) on its first attempt. */
  checkoutKey(): string {
    const cart = read();
    if (cart.checkoutKey) return cart.checkoutKey;
    const key = newIdempotencyKey();
    write({ ...cart, checkoutKey: key });
    return key;
  },
  /** After the order is placed. */
  clear(): void {
    write(empty);
  },
};

export function useCart(): Cart {
  return useSyncExternalStore(subscribe, read, () => empty);
}

/** 128 random bits; getRandomValues works on plain-HTTP origins too, unlike randomUUID. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `checkout-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
