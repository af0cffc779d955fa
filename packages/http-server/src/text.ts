import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';

/**
 * NUL (Postgres text cannot hold it: error 22021) and UTF-16 halves without their other half
 * (no Unicode character; JSON's `"\ud800"` makes one).
 */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (unstorableText(item, depth + 1)) return true;
  }
  return false;
}

/** Whether a document's string literals hold unstorable text, worked out once per parsed document. */
const literalsChecked = new WeakMap<DocumentNode, boolean>();

function unstorableLiteral(document: DocumentNode): boolean {
  let found = literalsChecked.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      [Kind.STRING](node) {
        if (UNSTORABLE.test(node.value)) found = true;
      },
    });
    literalsChecked.set(document, found);
  }
  return found;
}

function unstorableInputError(): GraphQLError {
  return new GraphQLError('Text arguments must be valid Unicode without NUL characters.', {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/**
 * Refuses, before anything runs, a request whose variables or string literals hold text no
 * database column can take: every server checks it at its edge, so a search for "a\u0000b" is
 * the caller's BAD_USER_INPUT (HTTP 400, like other input refused before execution) rather
 * than an internal error from Postgres three tiers down.
 */
export function storableTextPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          if (unstorableText(request.variables) || unstorableLiteral(document)) throw unstorableInputError();
        },
      };
    },
  };
}
