import path from 'node:path';
import pg from 'pg';
import { connectClient } from './admin.js';
import { prismaDir } from './paths.js';
import { readPrismaSchema, type DmmfDatamodel, type DmmfField, type DmmfModel } from './prisma-schema.js';
import type { Domain } from './urls.js';

/**
 * Drift between a domain's schema.prisma and its migrated database, the check
 * `prisma migrate diff --from-schema-datamodel ... --to-url ...` would make if its native
 * schema engine could run here. The declared side comes from Prisma's own parser (DMMF);
 * the actual side from the Postgres catalogs.
 *
 * Compared: tables, columns, column types, nullability, defaults the database holds
 * (`autoincrement()`, `now()`, literals, enum values, `dbgenerated()`), enums and their
 * labels, primary keys, unique and plain indexes (columns in order, sort order, method,
 * names), foreign keys (columns, referenced table and columns, ON DELETE / ON UPDATE).
 * Extra tables (except `_prisma_migrations`), columns, indexes, foreign keys and enums in the
 * database are drift too. Not compared: CHECK constraints and views (Prisma does not manage
 * them) and foreign key names (the DMMF does not carry `@relation(map:)`).
 */
export async function schemaDrift(
  domain: Domain,
  databaseUrl: string,
  options: { schemaPath?: string } = {},
): Promise<string[]> {
  const schemaPath = options.schemaPath ?? path.join(prismaDir(domain), 'schema.prisma');
  const declared = declaredShape(await readPrismaSchema(schemaPath));
  const dbSchema = new URL(databaseUrl).searchParams.get('schema') ?? 'public';
  const client = await connectClient(databaseUrl);
  try {
    return compareShapes(declared, await databaseShape(client, dbSchema));
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------
// A database-neutral description of a schema; both sides are reduced to it.

type DefaultShape =
  | { kind: 'none' }
  | { kind: 'sequence' }
  | { kind: 'now' }
  | { kind: 'value'; value: string }
  | { kind: 'expression'; sql: string }
  /** `dbgenerated()` without an expression: some default the schema does not spell out. */
  | { kind: 'any' };

interface ColumnShape {
  name: string;
  type: string;
  nullable: boolean;
  /** False for scalar lists, whose nullability Prisma does not pin down. */
  checkNullable: boolean;
  default: DefaultShape;
  /** The declared type the default literal is compared as (DateTime, Decimal...). */
  scalar?: string;
}

interface IndexShape {
  name: string;
  /** Column names in order, ` DESC` appended where sorted descending. */
  columns: string[];
  unique: boolean;
  method: string;
  /** Partial-index predicate: schema.prisma cannot declare one. */
  predicate?: string | null;
}

interface ForeignKeyShape {
  name?: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

interface TableShape {
  name: string;
  columns: ColumnShape[];
  primaryKey?: { name: string; columns: string[] };
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

interface SchemaShape {
  tables: TableShape[];
  enums: Map<string, string[]>;
}

// ---------------------------------------------------------------------------------------
// Declared side: Prisma's DMMF.

/** Postgres' identifier limit, which Prisma's default constraint names are cut to. */
const MAX_IDENTIFIER_LENGTH = 63;

/** Prisma's default constraint name: `<table>_<columns>_<suffix>`, cut to fit 63 bytes. */
function defaultConstraintName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join('_');
  const room = MAX_IDENTIFIER_LENGTH - suffix.length - 1;
  return `${base.length > room ? base.slice(0, room) : base}_${suffix}`;
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

function withArgs(name: string, args: string[]): string {
  return args.length ? `${name}(${args.join(',')})` : name;
}

/** The type `format_type()` reports for a native type attribute (`@db.X(args)`). */
function nativeTypeName(native: string, args: string[]): string {
  switch (native) {
    case 'Text': return 'text';
    case 'Uuid': return 'uuid';
    case 'Char': return withArgs('character', args);
    case 'VarChar': return withArgs('character varying', args);
    case 'Bit': return withArgs('bit', args);
    case 'VarBit': return withArgs('bit varying', args);
    case 'Integer': return 'integer';
    case 'SmallInt': return 'smallint';
    case 'BigInt': return 'bigint';
    case 'Oid': return 'oid';
    case 'Real': return 'real';
    case 'DoublePrecision': return 'double precision';
    case 'Decimal': return withArgs('numeric', args);
    case 'Money': return 'money';
    case 'Timestamp': return `${withArgs('timestamp', args)} without time zone`;
    case 'Timestamptz': return `${withArgs('timestamp', args)} with time zone`;
    case 'Date': return 'date';
    case 'Time': return `${withArgs('time', args)} without time zone`;
    case 'Timetz': return `${withArgs('time', args)} with time zone`;
    case 'Boolean': return 'boolean';
    case 'Json': return 'json';
    case 'JsonB': return 'jsonb';
    case 'ByteA': return 'bytea';
    case 'Xml': return 'xml';
    case 'Inet': return 'inet';
    case 'Citext': return 'citext';
    default: return withArgs(native.toLowerCase(), args);
  }
}

function columnName(field: DmmfField): string {
  return field.dbName ?? field.name;
}

function tableName(model: DmmfModel): string {
  return model.dbName ?? model.name;
}

function declaredShape(datamodel: DmmfDatamodel): SchemaShape {
  const enumDbNames = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enumValueDbNames = new Map(
    datamodel.enums.map((e) => [e.name, new Map(e.values.map((v) => [v.name, v.dbName ?? v.name]))]),
  );
  const modelsByName = new Map(datamodel.models.map((model) => [model.name, model]));
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    return field ? columnName(field) : fieldName;
  };

  const tables = datamodel.models.map((model): TableShape => {
    const table = tableName(model);
    const columns = model.fields
      .filter((field) => field.kind === 'scalar' || field.kind === 'enum' || field.kind === 'unsupported')
      .map((field): ColumnShape => {
        let type: string;
        if (field.kind === 'enum') type = `enum ${enumDbNames.get(field.type) ?? field.type}`;
        else if (field.nativeType) type = nativeTypeName(field.nativeType[0], field.nativeType[1]);
        else type = SCALAR_TYPES[field.type] ?? field.type;
        if (field.isList) type += '[]';
        const enumValues = field.kind === 'enum' ? enumValueDbNames.get(field.type) : undefined;
        return {
          name: columnName(field),
          type,
          nullable: !field.isRequired,
          checkNullable: !field.isList,
          default: declaredDefault(field, enumValues),
          scalar: field.type,
        };
      });

    const modelIndexes = datamodel.indexes.filter((index) => index.model === model.name);
    let primaryKey: TableShape['primaryKey'];
    const indexes: IndexShape[] = [];
    for (const index of modelIndexes) {
      const cols = index.fields.map((f) => columnOf(model, f.name));
      const sorted = index.fields.map((f, i) => (f.sortOrder === 'desc' ? `${cols[i]} DESC` : cols[i]!));
      if (index.type === 'id') {
        primaryKey = { name: index.dbName ?? defaultConstraintName(table, [], 'pkey'), columns: cols };
      } else if (index.type === 'unique' || index.type === 'normal') {
        const unique = index.type === 'unique';
        indexes.push({
          name: index.dbName ?? defaultConstraintName(table, cols, unique ? 'key' : 'idx'),
          columns: sorted,
          unique,
          method: (index.algorithm ?? 'BTree').toLowerCase(),
        });
      }
    }
    // Older DMMF versions list ids only on the model.
    if (!primaryKey) {
      const idFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
      if (idFields.length) {
        primaryKey = { name: defaultConstraintName(table, [], 'pkey'), columns: idFields.map((f) => columnOf(model, f)) };
      }
    }

    const foreignKeys = model.fields
      .filter((field) => field.kind === 'object' && field.relationFromFields?.length)
      .map((field): ForeignKeyShape => {
        const target = modelsByName.get(field.type);
        const fromFields = field.relationFromFields!.map((name) => model.fields.find((f) => f.name === name));
        const anyOptional = fromFields.some((f) => f && !f.isRequired);
        return {
          columns: field.relationFromFields!.map((name) => columnOf(model, name)),
          referencedTable: target ? tableName(target) : field.type,
          referencedColumns: (field.relationToFields ?? []).map((name) => (target ? columnOf(target, name) : name)),
          // Prisma's defaults: Restrict for required relations, SetNull for optional ones.
          onDelete: field.relationOnDelete ?? (anyOptional ? 'SetNull' : 'Restrict'),
          onUpdate: field.relationOnUpdate ?? 'Cascade',
        };
      });

    return { name: table, columns, ...(primaryKey ? { primaryKey } : {}), indexes, foreignKeys };
  });

  const enums = new Map(
    datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)] as const),
  );
  return { tables, enums };
}

function declaredDefault(field: DmmfField, enumValues: Map<string, string> | undefined): DefaultShape {
  const value = field.default;
  if (value === undefined || field.isUpdatedAt) return { kind: 'none' };
  if (Array.isArray(value)) return { kind: 'value', value: listLiteral(value.map(String)) };
  if (typeof value === 'object' && value !== null) {
    switch (value.name) {
      case 'autoincrement':
      case 'sequence':
        return { kind: 'sequence' };
      case 'now':
        return { kind: 'now' };
      case 'dbgenerated': {
        const sql = value.args[0];
        return typeof sql === 'string' && sql.trim() ? parseDatabaseDefault(sql) : { kind: 'any' };
      }
      default:
        // uuid(), cuid(), nanoid(), ulid(): generated by Prisma Client, not the database.
        return { kind: 'none' };
    }
  }
  if (typeof value === 'string' && enumValues) return { kind: 'value', value: enumValues.get(value) ?? value };
  return { kind: 'value', value: String(value) };
}

function listLiteral(values: string[]): string {
  return `[${values.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------
// Actual side: the Postgres catalogs.

/** Prisma's migrations table, which no schema.prisma declares. */
const MIGRATIONS_TABLE = '_prisma_migrations';

const REFERENTIAL_ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

async function databaseShape(client: pg.Client, schema: string): Promise<SchemaShape> {
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

/** Reduces a default expression as `pg_get_expr` prints it to the shape a schema declares. */
function parseDatabaseDefault(sql: string): DefaultShape {
  const expression = sql.trim();
  if (/^nextval\(/i.test(expression)) return { kind: 'sequence' };
  if (/^(CURRENT_TIMESTAMP|now\(\))(::timestamp(\(\d+\))? with(out)? time zone)?$/i.test(expression)) {
    return { kind: 'now' };
  }
  const literal = parseLiteral(expression);
  if (literal !== undefined) return { kind: 'value', value: literal };
  const array = /^ARRAY\[(.*)\](::[\w\s"[\]().]+)?$/s.exec(expression);
  if (array) {
    const items = splitTopLevel(array[1]!).map(parseLiteral);
    if (items.every((item) => item !== undefined)) return { kind: 'value', value: listLiteral(items) };
  }
  if (/^'\{\}'::[\w\s"[\]]+\[\]$/.test(expression)) return { kind: 'value', value: listLiteral([]) };
  return { kind: 'expression', sql: expression };
}

/** `'USD'::bpchar` → USD, `(-3)` → -3, `true` → true; undefined when not a plain literal. */
function parseLiteral(expression: string): string | undefined {
  let text = expression.trim();
  // Strip casts such as ::text, ::"Role", ::character varying, ::numeric(10,2).
  for (;;) {
    const cast = /^(.*?)::(?:"[^"]+"|[a-z_][\w ]*(?:\(\d+(?:,\s*\d+)?\))?)(?:\[\])?$/is.exec(text);
    if (!cast) break;
    text = cast[1]!.trim();
  }
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) return quoted[1]!.replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) return text;
  if (/^(true|false)$/i.test(text)) return text.toLowerCase();
  return undefined;
}

function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let inString = false;
  let current = '';
  for (let i = 0; i < list.length; i++) {
    const char = list[i]!;
    if (inString) {
      current += char;
      if (char === "'") {
        if (list[i + 1] === "'") {
          current += "'";
          i++;
        }
        else inString = false;
      }
      continue;
    }
    if (char === "'") inString = true;
    else if (char === '(' || char === '[') depth++;
    else if (char === ')' || char === ']') depth--;
    else if (char === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}

// ---------------------------------------------------------------------------------------
// Comparison.

function describeDefault(shape: DefaultShape): string {
  switch (shape.kind) {
    case 'none': return 'no default';
    case 'sequence': return 'an autoincrement (sequence) default';
    case 'now': return 'DEFAULT now()';
    case 'value': return `DEFAULT ${shape.value}`;
    case 'expression': return `DEFAULT ${shape.sql}`;
    case 'any': return 'a database-generated default';
  }
}

function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').toLowerCase();
}

function sameLiteral(declared: string, actual: string, scalar: string | undefined): boolean {
  if (declared === actual) return true;
  if (scalar === 'Int' || scalar === 'BigInt' || scalar === 'Float' || scalar === 'Decimal') {
    return Number(declared) === Number(actual);
  }
  if (scalar === 'DateTime') {
    const declaredTime = Date.parse(declared);
    return !Number.isNaN(declaredTime) && declaredTime === Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(actual) ? actual : `${actual}Z`);
  }
  if (scalar === 'Json') {
    try {
      return JSON.stringify(JSON.parse(declared)) === JSON.stringify(JSON.parse(actual));
    } catch {
      return false;
    }
  }
  return false;
}

function sameDefault(declared: DefaultShape, actual: DefaultShape, scalar: string | undefined): boolean {
  if (declared.kind === 'any') return actual.kind !== 'none';
  if (declared.kind !== actual.kind) return false;
  if (declared.kind === 'value' && actual.kind === 'value') return sameLiteral(declared.value, actual.value, scalar);
  if (declared.kind === 'expression' && actual.kind === 'expression') {
    return normalizeSql(declared.sql) === normalizeSql(actual.sql);
  }
  return true;
}

function list(values: string[]): string {
  return `(${values.join(', ')})`;
}

function describeIndex(table: string, index: IndexShape): string {
  const kind = index.unique ? 'unique index' : 'index';
  const method = index.method === 'btree' ? '' : ` USING ${index.method}`;
  const predicate = index.predicate ? ` WHERE ${index.predicate}` : '';
  return `${kind} "${index.name}" on "${table}"${list(index.columns)}${method}${predicate}`;
}

function describeForeignKey(table: string, fk: ForeignKeyShape): string {
  return `foreign key "${table}"${list(fk.columns)} → "${fk.referencedTable}"${list(fk.referencedColumns)}`;
}

function indexKey(index: IndexShape): string {
  return JSON.stringify([index.unique, index.columns]);
}

function foreignKeyKey(fk: ForeignKeyShape): string {
  return JSON.stringify([fk.columns, fk.referencedTable, fk.referencedColumns]);
}

function compareShapes(declared: SchemaShape, actual: SchemaShape): string[] {
  const drift: string[] = [];

  for (const [name, labels] of declared.enums) {
    const found = actual.enums.get(name);
    if (!found) drift.push(`enum "${name}" is missing in the database`);
    else if (JSON.stringify(found) !== JSON.stringify(labels)) {
      drift.push(`enum "${name}" has labels ${list(found)} in the database, schema.prisma declares ${list(labels)}`);
    }
  }
  for (const name of actual.enums.keys()) {
    if (!declared.enums.has(name)) drift.push(`enum "${name}" exists in the database but not in schema.prisma`);
  }

  const actualTables = new Map(actual.tables.map((table) => [table.name, table]));
  for (const table of declared.tables) {
    const found = actualTables.get(table.name);
    if (!found) {
      drift.push(`table "${table.name}" is missing in the database`);
      continue;
    }
    drift.push(...compareTable(table, found));
  }
  const declaredTables = new Set(declared.tables.map((table) => table.name));
  for (const table of actual.tables) {
    if (!declaredTables.has(table.name)) drift.push(`table "${table.name}" exists in the database but not in schema.prisma`);
  }
  return drift;
}

function compareTable(declared: TableShape, actual: TableShape): string[] {
  const drift: string[] = [];
  const table = declared.name;

  const actualColumns = new Map(actual.columns.map((column) => [column.name, column]));
  for (const column of declared.columns) {
    const where = `column "${table}"."${column.name}"`;
    const found = actualColumns.get(column.name);
    if (!found) {
      drift.push(`${where} is missing in the database`);
      continue;
    }
    if (found.type !== column.type) {
      drift.push(`${where} has type ${found.type} in the database, schema.prisma declares ${column.type}`);
    }
    if (column.checkNullable && found.nullable !== column.nullable) {
      drift.push(
        `${where} is ${found.nullable ? 'nullable' : 'NOT NULL'} in the database, schema.prisma declares it ${
          column.nullable ? 'optional (nullable)' : 'required (NOT NULL)'
        }`,
      );
    }
    if (!sameDefault(column.default, found.default, column.scalar)) {
      drift.push(`${where} has ${describeDefault(found.default)} in the database, schema.prisma declares ${describeDefault(column.default)}`);
    }
  }
  const declaredColumns = new Set(declared.columns.map((column) => column.name));
  for (const column of actual.columns) {
    if (!declaredColumns.has(column.name)) {
      drift.push(`column "${table}"."${column.name}" (${column.type}) exists in the database but not in schema.prisma`);
    }
  }

  if (declared.primaryKey && !actual.primaryKey) {
    drift.push(`primary key "${declared.primaryKey.name}" on "${table}"${list(declared.primaryKey.columns)} is missing in the database`);
  } else if (!declared.primaryKey && actual.primaryKey) {
    drift.push(`primary key "${actual.primaryKey.name}" on "${table}" exists in the database but not in schema.prisma`);
  } else if (declared.primaryKey && actual.primaryKey) {
    if (JSON.stringify(declared.primaryKey.columns) !== JSON.stringify(actual.primaryKey.columns)) {
      drift.push(
        `primary key of "${table}" is ${list(actual.primaryKey.columns)} in the database, schema.prisma declares ${list(declared.primaryKey.columns)}`,
      );
    }
    if (declared.primaryKey.name !== actual.primaryKey.name) {
      drift.push(`primary key of "${table}" is named "${actual.primaryKey.name}" in the database, schema.prisma expects "${declared.primaryKey.name}"`);
    }
  }

  const unmatched = [...actual.indexes];
  for (const index of declared.indexes) {
    const at = unmatched.findIndex((candidate) => indexKey(candidate) === indexKey(index));
    if (at === -1) {
      drift.push(`${describeIndex(table, index)} is missing in the database`);
      continue;
    }
    const [found] = unmatched.splice(at, 1) as [IndexShape];
    if (found.name !== index.name) {
      drift.push(`${describeIndex(table, index)} is named "${found.name}" in the database`);
    }
    if (found.method !== index.method) {
      drift.push(`${describeIndex(table, index)} uses ${found.method} in the database, schema.prisma declares ${index.method}`);
    }
    if (found.predicate) {
      drift.push(`${describeIndex(table, index)} is partial (WHERE ${found.predicate}) in the database`);
    }
  }
  for (const index of unmatched) drift.push(`${describeIndex(table, index)} exists in the database but not in schema.prisma`);

  const unmatchedForeignKeys = [...actual.foreignKeys];
  for (const fk of declared.foreignKeys) {
    const at = unmatchedForeignKeys.findIndex((candidate) => foreignKeyKey(candidate) === foreignKeyKey(fk));
    if (at === -1) {
      drift.push(`${describeForeignKey(table, fk)} is missing in the database`);
      continue;
    }
    const [found] = unmatchedForeignKeys.splice(at, 1) as [ForeignKeyShape];
    if (found.onDelete !== fk.onDelete) {
      drift.push(`${describeForeignKey(table, fk)} has ON DELETE ${found.onDelete} in the database, schema.prisma declares ${fk.onDelete}`);
    }
    if (found.onUpdate !== fk.onUpdate) {
      drift.push(`${describeForeignKey(table, fk)} has ON UPDATE ${found.onUpdate} in the database, schema.prisma declares ${fk.onUpdate}`);
    }
  }
  for (const fk of unmatchedForeignKeys) {
    drift.push(`${describeForeignKey(table, fk)} ("${fk.name}") exists in the database but not in schema.prisma`);
  }
  return drift;
}
