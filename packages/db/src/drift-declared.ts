// The declared side of the drift check (drift.ts): a schema.prisma, as Prisma's parser (DMMF)
// describes it, reduced to a SchemaShape.
import type { DmmfDatamodel, DmmfField, DmmfModel } from './prisma-schema.js';
import {
  listLiteral,
  parseDatabaseDefault,
  type DefaultShape,
  type ColumnShape,
  type IndexShape,
  type ForeignKeyShape,
  type TableShape,
  type SchemaShape,
} from './drift-shape.js';

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
    case 'Text':
      return 'text';
    case 'Uuid':
      return 'uuid';
    case 'Char':
      return withArgs('character', args);
    case 'VarChar':
      return withArgs('character varying', args);
    case 'Bit':
      return withArgs('bit', args);
    case 'VarBit':
      return withArgs('bit varying', args);
    case 'Integer':
      return 'integer';
    case 'SmallInt':
      return 'smallint';
    case 'BigInt':
      return 'bigint';
    case 'Oid':
      return 'oid';
    case 'Real':
      return 'real';
    case 'DoublePrecision':
      return 'double precision';
    case 'Decimal':
      return withArgs('numeric', args);
    case 'Money':
      return 'money';
    case 'Timestamp':
      return `${withArgs('timestamp', args)} without time zone`;
    case 'Timestamptz':
      return `${withArgs('timestamp', args)} with time zone`;
    case 'Date':
      return 'date';
    case 'Time':
      return `${withArgs('time', args)} without time zone`;
    case 'Timetz':
      return `${withArgs('time', args)} with time zone`;
    case 'Boolean':
      return 'boolean';
    case 'Json':
      return 'json';
    case 'JsonB':
      return 'jsonb';
    case 'ByteA':
      return 'bytea';
    case 'Xml':
      return 'xml';
    case 'Inet':
      return 'inet';
    case 'Citext':
      return 'citext';
    default:
      return withArgs(native.toLowerCase(), args);
  }
}

function columnName(field: DmmfField): string {
  return field.dbName ?? field.name;
}

function tableName(model: DmmfModel): string {
  return model.dbName ?? model.name;
}

export function declaredShape(datamodel: DmmfDatamodel): SchemaShape {
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

  const enums = new Map(datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)] as const));
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
