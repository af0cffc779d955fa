// The comparison of the drift check (drift.ts): every difference between the declared and the
// actual SchemaShape, as one line a person can act on.
import type { DefaultShape, IndexShape, ForeignKeyShape, TableShape, SchemaShape } from './drift-shape.js';

function describeDefault(shape: DefaultShape): string {
  switch (shape.kind) {
    case 'none':
      return 'no default';
    case 'sequence':
      return 'an autoincrement (sequence) default';
    case 'now':
      return 'DEFAULT now()';
    case 'value':
      return `DEFAULT ${shape.value}`;
    case 'expression':
      return `DEFAULT ${shape.sql}`;
    case 'any':
      return 'a database-generated default';
  }
}

function normalizeSql(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .toLowerCase();
}

function sameLiteral(declared: string, actual: string, scalar: string | undefined): boolean {
  if (declared === actual) return true;
  if (scalar === 'Int' || scalar === 'BigInt' || scalar === 'Float' || scalar === 'Decimal') {
    return Number(declared) === Number(actual);
  }
  if (scalar === 'DateTime') {
    const declaredTime = Date.parse(declared);
    return (
      !Number.isNaN(declaredTime) && declaredTime === Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(actual) ? actual : `${actual}Z`)
    );
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

export function compareShapes(declared: SchemaShape, actual: SchemaShape): string[] {
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
      drift.push(
        `${where} has ${describeDefault(found.default)} in the database, schema.prisma declares ${describeDefault(column.default)}`,
      );
    }
  }
  const declaredColumns = new Set(declared.columns.map((column) => column.name));
  for (const column of actual.columns) {
    if (!declaredColumns.has(column.name)) {
      drift.push(`column "${table}"."${column.name}" (${column.type}) exists in the database but not in schema.prisma`);
    }
  }

  if (declared.primaryKey && !actual.primaryKey) {
    drift.push(
      `primary key "${declared.primaryKey.name}" on "${table}"${list(declared.primaryKey.columns)} is missing in the database`,
    );
  } else if (!declared.primaryKey && actual.primaryKey) {
    drift.push(`primary key "${actual.primaryKey.name}" on "${table}" exists in the database but not in schema.prisma`);
  } else if (declared.primaryKey && actual.primaryKey) {
    if (JSON.stringify(declared.primaryKey.columns) !== JSON.stringify(actual.primaryKey.columns)) {
      drift.push(
        `primary key of "${table}" is ${list(actual.primaryKey.columns)} in the database, schema.prisma declares ${list(declared.primaryKey.columns)}`,
      );
    }
    if (declared.primaryKey.name !== actual.primaryKey.name) {
      drift.push(
        `primary key of "${table}" is named "${actual.primaryKey.name}" in the database, schema.prisma expects "${declared.primaryKey.name}"`,
      );
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
      drift.push(
        `${describeForeignKey(table, fk)} has ON DELETE ${found.onDelete} in the database, schema.prisma declares ${fk.onDelete}`,
      );
    }
    if (found.onUpdate !== fk.onUpdate) {
      drift.push(
        `${describeForeignKey(table, fk)} has ON UPDATE ${found.onUpdate} in the database, schema.prisma declares ${fk.onUpdate}`,
      );
    }
  }
  for (const fk of unmatchedForeignKeys) {
    drift.push(`${describeForeignKey(table, fk)} ("${fk.name}") exists in the database but not in schema.prisma`);
  }
  return drift;
}
