import { badUserInput } from '@storefront/resolver-kit';

/** Page-size bounds of every list; above the maximum is an error, never a silent clamp. */
const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, fallback: number, max = MAX_PAGE_SIZE): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw badUserInput(`first must be between 1 and ${max}.`, 'first');
  }
  return size;
}

/** Position in a list ordered by (timestamp desc, id desc): stable while rows are added. */
export interface Cursor {
  at: Date;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string, argument = 'after'): Cursor {
  const [iso, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (!id || extra !== undefined || Number.isNaN(at.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw badUserInput(`${argument} is not a valid cursor.`, argument);
  }
  return { at, id };
}

/**
 * A Prisma `where` for the rows after `cursor` in (field desc, id desc) order. Keyset
 * pagination: each page is an index range scan however deep the client pages.
 */
export function after<Field extends string>(field: Field, cursor: Cursor) {
  return {
    OR: [{ [field]: { lt: cursor.at } }, { [field]: cursor.at, id: { lt: cursor.id } }],
  } as { OR: Array<Record<Field | 'id', unknown>> };
}

export interface Connection<Node> {
  edges: Array<{ cursor: string; node: Node }>;
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/**
 * A Relay connection from rows fetched with `take: size + 1` (the extra row only tells
 * whether there is a next page).
 */
export function toConnection<Node>(
  rows: Node[],
  size: number,
  totalCount: number,
  cursorOf: (node: Node) => Cursor,
  hasPreviousPage = false,
): Connection<Node> {
  const nodes = rows.slice(0, size);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
