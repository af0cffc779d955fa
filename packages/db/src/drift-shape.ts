// A database-neutral description of a schema, for the drift check (drift.ts): the declared
// side (drift-declared.ts, from schema.prisma) and the actual side (drift-database.ts, from
// the Postgres catalogs) are both reduced to it, then compared (drift-compare.ts).

export type DefaultShape =
  | { kind: 'none' }
  | { kind: 'sequence' }
  | { kind: 'now' }
  | { kind: 'value'; value: string }
  | { kind: 'expression'; sql: string }
  /** `dbgenerated()` without an expression: some default the schema does not spell out. */
  | { kind: 'any' };

export interface ColumnShape {
  name: string;
  type: string;
  nullable: boolean;
  /** False for scalar lists, whose nullability Prisma does not pin down. */
  checkNullable: boolean;
  default: DefaultShape;
  /** The declared type the default literal is compared as (DateTime, Decimal...). */
  scalar?: string;
}

export interface IndexShape {
  name: string;
  /** Column names in order, ` DESC` appended where sorted descending. */
  columns: string[];
  unique: boolean;
  method: string;
  /** Partial-index predicate: schema.prisma cannot declare one. */
  predicate?: string | null;
}

export interface ForeignKeyShape {
  name?: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface TableShape {
  name: string;
  columns: ColumnShape[];
  primaryKey?: { name: string; columns: string[] };
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

export interface SchemaShape {
  tables: TableShape[];
  enums: Map<string, string[]>;
}

export function listLiteral(values: string[]): string {
  return `[${values.join(', ')}]`;
}

/** Reduces a default expression as `pg_get_expr` prints it to the shape a schema declares. */
export function parseDatabaseDefault(sql: string): DefaultShape {
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
        if (list[i + 1] === "'") current += list[++i]!;
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
