import { stableId } from '@storefront/seed-data';

/**
 * The accounts of the development seed (README → Seed data), written by seed.ts and signed in
 * as by the tests. Ids are derived from names (stableId), so the other subgraphs' seeds name
 * these users without reading this database.
 */
export interface SeedUser {
  id: string;
  email: string;
  name: string;
  password: string;
  role: 'CUSTOMER' | 'ADMIN';
}

export const users: readonly SeedUser[] = [
  { id: stableId('user:ada'), email: 'ada@example.com', name: 'Ada Lovelace', password: 'ada-password-1', role: 'CUSTOMER' },
  {
    id: stableId('user:grace'),
    email: 'grace@example.com',
    name: 'Grace Hopper',
    password: 'grace-password-1',
    role: 'CUSTOMER',
  },
  { id: stableId('user:admin'), email: 'admin@example.com', name: 'Store Admin', password: 'admin-password-1', role: 'ADMIN' },
];

export const ada = users[0]!;
export const grace = users[1]!;
export const admin = users[2]!;
