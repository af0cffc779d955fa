import { describe, expect, it } from '@jest/globals';
import { databaseName, domainDatabaseUrl, migrationDatabaseUrl, redactUrl, withDatabase } from './urls.js';

describe('domainDatabaseUrl', () => {
  it('names the database after the domain on the DATABASE_URL server', () => {
    expect(domainDatabaseUrl('catalog', { DATABASE_URL: 'postgresql://app:secret@db.internal:5433/postgres' })).toBe(
      'postgresql://app:secret@db.internal:5433/catalog',
    );
  });

  it('prefixes the database name with DATABASE_NAME_PREFIX', () => {
    expect(
      domainDatabaseUrl('orders', {
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
        DATABASE_NAME_PREFIX: 'ci_42_',
      }),
    ).toBe('postgresql://postgres@127.0.0.1:5432/ci_42_orders');
  });

  it('keeps the connection options of DATABASE_URL', () => {
    expect(
      domainDatabaseUrl('users', { DATABASE_URL: 'postgresql://postgres@h:5432/postgres?sslmode=require&connect_timeout=5' }),
    ).toBe('postgresql://postgres@h:5432/users?sslmode=require&connect_timeout=5');
  });

  it('prefers the domain-specific <DOMAIN>_DATABASE_URL over DATABASE_URL and the prefix', () => {
    const env = {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
      DATABASE_NAME_PREFIX: 'ci_',
      USERS_DATABASE_URL: 'postgresql://users_app@users-db:5432/accounts',
    };
    expect(domainDatabaseUrl('users', env)).toBe('postgresql://users_app@users-db:5432/accounts');
    expect(domainDatabaseUrl('catalog', env)).toBe('postgresql://postgres@127.0.0.1:5432/ci_catalog');
  });

  it('is undefined when no database URL is configured, so the embedded Postgres is used', () => {
    expect(domainDatabaseUrl('users', {})).toBeUndefined();
    expect(domainDatabaseUrl('users', { DATABASE_NAME_PREFIX: 'ci_' })).toBeUndefined();
    expect(domainDatabaseUrl('users', { DATABASE_URL: '' })).toBeUndefined();
  });
});

describe('withDatabase', () => {
  it('swaps only the database of a URL', () => {
    expect(withDatabase('postgresql://app:p%40ss@db:5432/postgres?sslmode=disable', 'sf_users')).toBe(
      'postgresql://app:p%40ss@db:5432/sf_users?sslmode=disable',
    );
  });

  it('adds a database to a server URL that names none', () => {
    expect(withDatabase('postgresql://postgres@127.0.0.1:5432', 'catalog')).toBe('postgresql://postgres@127.0.0.1:5432/catalog');
  });

  it('round-trips names that need escaping through databaseName', () => {
    const url = withDatabase('postgresql://postgres@127.0.0.1:5432/postgres', 'my db');
    expect(databaseName(url)).toBe('my db');
  });
});

describe('databaseName', () => {
  it('reads the database of a URL and refuses a URL without one', () => {
    expect(databaseName('postgresql://postgres@127.0.0.1:5432/sf_orders?sslmode=disable')).toBe('sf_orders');
    expect(() => databaseName('postgresql://postgres@127.0.0.1:5432')).toThrow(/names no database/);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgresql://app:hunter2@db:5432/users')).toBe('postgresql://app:***@db:5432/users');
    expect(redactUrl('postgresql://app@db:5432/users')).toBe('postgresql://app@db:5432/users');
  });
});

describe('migrationDatabaseUrl', () => {
  const pooled = { DATABASE_URL: 'postgresql://app@pgbouncer:6432/postgres', DATABASE_NAME_PREFIX: 'shop_' };

  it('goes to the MIGRATION_DATABASE_URL server instead of the pooler, with the same database names', () => {
    expect(migrationDatabaseUrl('orders', { ...pooled, MIGRATION_DATABASE_URL: 'postgresql://migrator@db:5432/postgres' })).toBe(
      'postgresql://migrator@db:5432/shop_orders',
    );
  });

  it("prefers <DOMAIN>_MIGRATION_DATABASE_URL, and falls back to the services' own URLs", () => {
    const env = { ...pooled, USERS_MIGRATION_DATABASE_URL: 'postgresql://migrator@users-db:5432/accounts' };
    expect(migrationDatabaseUrl('users', env)).toBe('postgresql://migrator@users-db:5432/accounts');
    expect(migrationDatabaseUrl('catalog', env)).toBe('postgresql://app@pgbouncer:6432/shop_catalog');
    expect(migrationDatabaseUrl('catalog', {})).toBeUndefined();
  });
});
