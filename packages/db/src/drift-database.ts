// The actual side of the drift check (drift.ts): a migrated database, as the Postgres
// catalogs describe it, reduced to a SchemaShape.
import type pg from 'pg';
import { parseDatabaseDefault, type DefaultShape, type ColumnShape, type TableShape, type SchemaShape } from './drift-shape.js';

/** Prisma's migrations table, which no schema.prisma declares. */
const MIGRATIONS_TABLE = '_prisma_migrations';

const REFERENTIAL_ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

export async function databaseShape(client: pg.Client, schema: string): Promise<SchemaShape> {
  const tablesResult = await client.query<{ name: string }>(
    `SELECT c.relname::text AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
    [schema],
  );
  const columnsResult = await client.query<{
    table: string;
    name: string;
    not_null: boolean;
    identity: string;
    generated: string;
    default: string | null;
    type: string;
  }>(
    `SELECT c.relname::text AS table, a.attname::text AS name, a.attnotnull AS not_null,
            a.attidentity::text AS identity, a.attgenerated::text AS generated,
            pg_get_expr(d.adbin, d.adrelid) AS default,
            CASE
              WHEN t.typtype = 'e' THEN 'enum ' || t.typname
              WHEN et.typtype = 'e' THEN 'enum ' || et.typname || '[]'
              ELSE format_type(a.atttypid, a.atttypmod)
            END AS type
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const indexesResult = await client.query<{
    table: string;
    name: string;
    primary: boolean;
    unique: boolean;
    method: string;
    predicate: string | null;
    columns: string[];
  }>(
    `SELECT tc.relname::text AS table, ic.relname::text AS name, i.indisprimary AS primary,
            i.indisunique AS unique, am.amname::text AS method,
            pg_get_expr(i.indpred, i.indrelid) AS predicate,
            ARRAY(
              SELECT CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true)
                          ELSE (SELECT a.attname::text FROM pg_attribute a
                                 WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum) END
                     || CASE WHEN k.ord <= i.indnkeyatts AND (k.opt & 1) = 1 THEN ' DESC' ELSE '' END
                     || CASE WHEN k.ord > i.indnkeyatts THEN ' (INCLUDE)' ELSE '' END
                FROM unnest(i.indkey::int2[], i.indoption::int2[]) WITH ORDINALITY AS k(attnum, opt, ord)
               ORDER BY k.ord
            ) AS columns
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
       JOIN pg_am am ON am.oid = ic.relam
      WHERE n.nspname = $1 AND tc.relkind IN ('r', 'p')
      ORDER BY tc.relname, ic.relname`,
    [schema],
  );
  const foreignKeysResult = await client.query<{
    table: string;
    name: string;
    referenced_table: string;
    on_delete: string;
    on_update: string;
    columns: string[];
    referenced_columns: string[];
  }>(
    `SELECT t.relname::text AS table, con.conname::text AS name, rt.relname::text AS referenced_table,
            con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
              AS referenced_columns
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_class rt ON rt.oid = con.confrelid
      WHERE n.nspname = $1 AND con.contype = 'f'
      ORDER BY t.relname, con.conname`,
    [schema],
  );
  const enumsResult = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1
      GROUP BY t.typname
      ORDER BY t.typname`,
    [schema],
  );

  const tables = tablesResult.rows
    .filter((row) => row.name !== MIGRATIONS_TABLE)
    .map((row): TableShape => {
      const columns = columnsResult.rows
        .filter((column) => column.table === row.name)
        .map((column): ColumnShape => {
          let defaultShape: DefaultShape;
          if (column.identity) defaultShape = { kind: 'sequence' };
          else if (column.generated) defaultShape = { kind: 'expression', sql: `GENERATED ALWAYS AS (${column.default})` };
          else defaultShape = column.default === null ? { kind: 'none' } : parseDatabaseDefault(column.default);
          return {
            name: column.name,
            type: column.type,
            nullable: !column.not_null,
            checkNullable: true,
            default: defaultShape,
          };
        });
      const tableIndexes = indexesResult.rows.filter((index) => index.table === row.name);
      const primary = tableIndexes.find((index) => index.primary);
      return {
        name: row.name,
        columns,
        ...(primary ? { primaryKey: { name: primary.name, columns: primary.columns } } : {}),
        indexes: tableIndexes
          .filter((index) => !index.primary)
          .map((index) => ({
            name: index.name,
            columns: index.columns,
            unique: index.unique,
            method: index.method,
            predicate: index.predicate,
          })),
        foreignKeys: foreignKeysResult.rows
          .filter((fk) => fk.table === row.name)
          .map((fk) => ({
            name: fk.name,
            columns: fk.columns,
            referencedTable: fk.referenced_table,
            referencedColumns: fk.referenced_columns,
            onDelete: REFERENTIAL_ACTIONS[fk.on_delete] ?? fk.on_delete,
            onUpdate: REFERENTIAL_ACTIONS[fk.on_update] ?? fk.on_update,
          })),
      };
    });
  return { tables, enums: new Map(enumsResult.rows.map((row) => [row.name, row.labels])) };
}
