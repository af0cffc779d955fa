import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * Abuse limits on GraphQL documents, per server (the gateway and each BFF get their own).
 * Depth, aliases and directives are graphql-armor's validation rules configured past their
 * defaults (aliases of `__typename` count, fragments do not add depth); tokens are counted by
 * graphql-js's parser (`parseOptions.maxTokens`, what armor's max-tokens plugin does through an
 * Envelop parse hook Apollo Server does not have), which stops as soon as the limit is passed;
 * root fields are our own rule; the document's size and its directives (how many, and one
 * repeated on a location) are checked by the HTTP front before anything parses or validates it
 * (`refusedDocument`), so a flood of `@aa` is one error rather than one per repeat (validation
 * reports each unknown or repeated directive); cost and page sizes need the operation's variables (armor's
 * cost-limit has no list sizes), so they are checked once the operation is resolved, before
 * anything executes. Every refusal is HTTP 400 with its own code (LIMIT_CODES).
 */
export interface DocumentLimits {
  /** Deepest field nesting (fields only: fragments add no level). */
  maxDepth: number;
  /** Aliases per operation, `__typename` included, through fragments. */
  maxAliases: number;
  /** Fields selected at the root of an operation (aliases of one field count each). */
  maxRootFields: number;
  /** Directives per operation, through fragments. */
  maxDirectives: number;
  /** Lexical tokens per document (comments are not tokens). */
  maxTokens: number;
  /** The document's size in bytes (UTF-8), checked before it is parsed. */
  maxDocumentBytes: number;
  /** Estimated cost of the operation: see `operationCost`. */
  maxCost: number;
  /** Largest `first` / `last` / `limit` argument; above it (or below 1) is BAD_USER_INPUT, never a clamp. */
  maxPageSize: number;
}

/** The limits as each server's zod config names them (see `documentLimitsShape` in @storefront/config). */
export interface DocumentLimitsConfig {
  MAX_QUERY_DEPTH: number;
  MAX_ALIASES: number;
  MAX_ROOT_FIELDS: number;
  MAX_DIRECTIVES: number;
  MAX_TOKENS: number;
  MAX_DOCUMENT_BYTES: number;
  MAX_QUERY_COST: number;
  MAX_PAGE_SIZE: number;
}

export function documentLimits(config: DocumentLimitsConfig): DocumentLimits {
  return {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxAliases: config.MAX_ALIASES,
    maxRootFields: config.MAX_ROOT_FIELDS,
    maxDirectives: config.MAX_DIRECTIVES,
    maxTokens: config.MAX_TOKENS,
    maxDocumentBytes: config.MAX_DOCUMENT_BYTES,
    maxCost: config.MAX_QUERY_COST,
    maxPageSize: config.MAX_PAGE_SIZE,
  };
}

export const LIMIT_CODES = {
  depth: 'QUERY_TOO_DEEP',
  aliases: 'TOO_MANY_ALIASES',
  rootFields: 'TOO_MANY_ROOT_FIELDS',
  directives: 'TOO_MANY_DIRECTIVES',
  repeatedDirective: 'DIRECTIVE_REPEATED',
  tokens: 'TOO_MANY_TOKENS',
  documentBytes: 'DOCUMENT_TOO_LARGE',
  cost: 'QUERY_TOO_COSTLY',
  pageSize: 'BAD_USER_INPUT',
} as const;

export type LimitCode = (typeof LIMIT_CODES)[keyof typeof LIMIT_CODES];

/** A document refused by a limit: HTTP 400 and its own code. */
export class LimitError extends GraphQLError {
  constructor(
    readonly code: LimitCode,
    message: string,
  ) {
    super(message, { extensions: { code, http: { status: 400 } } });
    this.name = 'LimitError';
  }
}

/** graphql-js's message when `parseOptions.maxTokens` stops the parser ("more that" in 16.x). */
const TOKEN_LIMIT_MESSAGE = /Document contains more (?:than|that) (\d+) tokens/;

/**
 * The limit a refused request ran into, as the error the client gets (message and code only),
 * whatever wrapper Apollo put around it (validation errors come as GRAPHQL_VALIDATION_FAILED,
 * parse errors as GRAPHQL_PARSE_FAILED, with ours as `originalError`); undefined otherwise.
 */
export function limitViolation(error: unknown): GraphQLFormattedError | undefined {
  // Duck typing: Apollo's GraphQLError class may be another build of graphql than ours (vitest).
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (original instanceof LimitError) return { message: original.message, extensions: { code: original.code } };
  if (
    original !== error &&
    original instanceof Error &&
    (error as { extensions?: { code?: unknown } }).extensions?.code === 'GRAPHQL_PARSE_FAILED'
  ) {
    const tokens = TOKEN_LIMIT_MESSAGE.exec(original.message);
    if (tokens) {
      return { message: `The document has more than ${tokens[1]} tokens.`, extensions: { code: LIMIT_CODES.tokens } };
    }
  }
  return undefined;
}
