import { createHash } from 'node:crypto';

/**
 * What every subgraph's seed shares: ids derived from names, so the parts of the shop's
 * deterministic seed agree across databases without reading each other, and the guard that
 * keeps seeding out of production. The seed data itself lives with its subgraph
 * (`@storefront/<subgraph>/seed-data`, in subgraphs/<subgraph>/src/seed-data.ts).
 */

/** A stable UUID (version 5 layout) for `key`, the same on every run and machine. */
export function stableId(key: string): string {
  const hex = createHash('sha256').update(`storefront:${key}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Seeding is for development and tests; production data never comes from here. */
export function assertSeedAllowed(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production') {
    throw new Error('Refusing to seed: NODE_ENV is production.');
  }
}
