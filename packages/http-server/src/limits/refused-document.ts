import { Lexer, Source, TokenKind, type GraphQLFormattedError } from 'graphql';
import { LIMIT_CODES } from './document-limits.js';

/** The `query` of a request body, or of the URL when the body has none. */
function documentText(body: unknown, search: URLSearchParams): string | null {
  return body && typeof body === 'object' && !Array.isArray(body) && typeof (body as { query?: unknown }).query === 'string'
    ? (body as { query: string }).query
    : search.get('query');
}

function oversizedDocument(query: string, maxBytes: number): GraphQLFormattedError | undefined {
  if (query.length * 3 <= maxBytes) return undefined; // a UTF-16 unit is 3 UTF-8 bytes at most
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes <= maxBytes) return undefined;
  return {
    message: `The document is ${bytes} bytes, more than the limit of ${maxBytes}.`,
    extensions: { code: LIMIT_CODES.documentBytes },
  };
}

/** Counts `character` in `text`, stopping at `enough`. */
function countUpTo(text: string, character: string, enough: number): number {
  let count = 0;
  for (let index = text.indexOf(character); index !== -1 && count < enough; index = text.indexOf(character, index + 1))
    count += 1;
  return count;
}

/**
 * More directives in the document than `maxDirectives`, or one directive twice on the same
 * location (`__typename @aa @aa`), found with graphql-js's lexer (an `@` in a string or a
 * comment is no directive). Validation would report every repeat of an unknown or
 * non-repeatable directive on its own; this answers once. A document that does not lex is
 * left to the parser.
 */
function directiveOverload(query: string, maxDirectives: number): GraphQLFormattedError | undefined {
  // Most documents have no `@` at all, or one: nothing to repeat, and within any limit but 0.
  const ats = countUpTo(query, '@', 2);
  if (ats === 0 || (ats === 1 && maxDirectives >= 1)) return undefined;
  const lexer = new Lexer(new Source(query));
  const onThisLocation = new Set<string>();
  let total = 0;
  try {
    let token = lexer.advance();
    while (token.kind !== TokenKind.EOF) {
      if (token.kind !== TokenKind.AT) {
        onThisLocation.clear();
        token = lexer.advance();
        continue;
      }
      total += 1;
      if (total > maxDirectives) {
        return { message: `Directives limit of ${maxDirectives} exceeded.`, extensions: { code: LIMIT_CODES.directives } };
      }
      const name = lexer.advance();
      if (name.kind === TokenKind.NAME) {
        if (onThisLocation.has(name.value)) {
          return {
            message: `The directive "@${name.value}" is repeated on one location.`,
            extensions: { code: LIMIT_CODES.repeatedDirective },
          };
        }
        onThisLocation.add(name.value);
      }
      token = lexer.advance();
      if (token.kind === TokenKind.PAREN_L) {
        // The directive's arguments: the next token after them says whether another directive follows.
        for (let depth = 1; depth > 0 && token.kind !== TokenKind.EOF;) {
          token = lexer.advance();
          if (token.kind === TokenKind.PAREN_L) depth += 1;
          else if (token.kind === TokenKind.PAREN_R) depth -= 1;
        }
        token = lexer.advance();
      }
    }
  } catch {
    return undefined; // a syntax error: the parser reports it
  }
  return undefined;
}

/**
 * Why the HTTP front refuses a request's document (its `query`, in a body or the URL) with
 * HTTP 400 before anything parses it: larger than `maxBytes` (DOCUMENT_TOO_LARGE), more
 * directives than `maxDirectives` (TOO_MANY_DIRECTIVES) or a directive repeated on one
 * location (DIRECTIVE_REPEATED); undefined when it may go on.
 */
export function refusedDocument(
  body: unknown,
  search: URLSearchParams,
  limits: { maxBytes?: number | undefined; maxDirectives?: number | undefined },
): GraphQLFormattedError | undefined {
  const query = documentText(body, search);
  if (query === null || query === undefined) return undefined;
  return (
    (limits.maxBytes === undefined ? undefined : oversizedDocument(query, limits.maxBytes)) ??
    (limits.maxDirectives === undefined ? undefined : directiveOverload(query, limits.maxDirectives))
  );
}
