import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  Lexer,
  OperationTypeNode,
  Source,
  TokenKind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

/**
 * Abuse limits on GraphQL documents, per server (the gateway and each BFF get their own).
 * Depth, aliases and directives are graphql-armor's validation rules configured past their
 * defaults (aliases of `__typename` count, fragments do not add depth); tokens are counted by
 * graphql-js's parser (`parseOptions.maxLexicalTokens`, what armor's max-tokens plugin does through an
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

/** Arguments whose value is the length of the list a field returns. */
const PAGE_SIZE_ARGUMENTS = ['first', 'last', 'limit'] as const;

/** graphql-js's message when `parseOptions.maxLexicalTokens` stops the parser ("more that" in 16.x). */
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
  if (original !== error && original instanceof Error && (error as { extensions?: { code?: unknown } }).extensions?.code === 'GRAPHQL_PARSE_FAILED') {
    const tokens = TOKEN_LIMIT_MESSAGE.exec(original.message);
    if (tokens) {
      return { message: `The document has more than ${tokens[1]} tokens.`, extensions: { code: LIMIT_CODES.tokens } };
    }
  }
  return undefined;
}

/** Reports armor's rejection as our own error, so the client gets a distinct code. */
function reportAs(code: LimitCode) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    context?.reportError(new LimitError(code, error.message.replace(/^Syntax Error: /, '')));
  };
}

/** Fields at the root of each operation, through fragments (inline and named). */
function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => {
    const count = (selectionSet: SelectionSetNode, seen: Set<string>): number => {
      let fields = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          fields += 1;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          fields += count(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          // A cycle is another rule's error; a fragment spread twice at the root selects the same fields.
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) fields += count(fragment.selectionSet, seen);
        }
      }
      return fields;
    };
    return {
      OperationDefinition(operation) {
        const fields = count(operation.selectionSet, new Set());
        if (fields > max) {
          context.reportError(new LimitError(LIMIT_CODES.rootFields, `Root fields limit of ${max} exceeded, found ${fields}.`));
        }
      },
    };
  };
}

/** The validation rules of the limits that do not depend on variables. */
export function documentLimitRules(limits: DocumentLimits): ValidationRule[] {
  const callbacks = (code: LimitCode) => ({ propagateOnRejection: false, onReject: [reportAs(code)], onAccept: [] });
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...callbacks(LIMIT_CODES.depth) }),
    // armor exempts `__typename` by default; an alias flood of `__typename` is still a flood.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], ...callbacks(LIMIT_CODES.aliases) }),
    maxDirectivesRule({ n: limits.maxDirectives, ...callbacks(LIMIT_CODES.directives) }),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}

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
  return { message: `The document is ${bytes} bytes, more than the limit of ${maxBytes}.`, extensions: { code: LIMIT_CODES.documentBytes } };
}

/** Counts `character` in `text`, stopping at `enough`. */
function countUpTo(text: string, character: string, enough: number): number {
  let count = 0;
  for (let index = text.indexOf(character); index !== -1 && count < enough; index = text.indexOf(character, index + 1)) count += 1;
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
          return { message: `The directive "@${name.value}" is repeated on one location.`, extensions: { code: LIMIT_CODES.repeatedDirective } };
        }
        onThisLocation.add(name.value);
      }
      token = lexer.advance();
      if (token.kind === TokenKind.PAREN_L) {
        // The directive's arguments: the next token after them says whether another directive follows.
        for (let depth = 1; depth > 0 && token.kind !== TokenKind.EOF; ) {
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

interface OperationAnalysis {
  cost: number;
  /** The first page-size argument below 1 or above the maximum. */
  invalidPage?: { field: string; argument: string; value: number };
}

/*
 * The analysis below reads the schema by duck typing (`getFields`, `ofType`) and values by
 * hand rather than with graphql-js's instanceof-based helpers: under vitest the servers' schema
 * objects and this module may come from graphql's CommonJS and ESM builds respectively.
 */
interface SchemaField {
  args: ReadonlyArray<{ name: string; defaultValue?: unknown }>;
  type: unknown;
}

function namedTypeOf(type: unknown): GraphQLNamedType | undefined {
  let current = type as { ofType?: unknown } | undefined;
  while (current && current.ofType) current = current.ofType;
  return current as GraphQLNamedType | undefined;
}

function fieldOf(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): SchemaField | undefined {
  if (name === '__schema') return { args: [], type: schema.getType('__Schema') };
  if (name === '__type') return { args: [], type: schema.getType('__Type') };
  const fields = (parent as { getFields?: () => Record<string, SchemaField> } | undefined)?.getFields?.();
  return fields?.[name];
}

/**
 * The estimated cost of running `operation`: every field costs 1, and a field that returns a
 * page (a `first`, `last` or `limit` argument, from a literal, a variable or the schema's
 * default; the maximum page size when none applies) multiplies the cost of its selection by
 * that size, so nested lists multiply (10 products × 4 related × their fields). Fragments are
 * costed once each, however often they are spread. Also finds the first page size outside 1 to
 * `maxPageSize`. `variables` are the request's, as sent.
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  maxPageSize: number,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  const fragmentCosts = new Map<string, number>();
  let invalidPage: OperationAnalysis['invalidPage'];

  /** A number, null, or undefined when the argument counts as absent. */
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
    if (node.kind === Kind.NULL) return null;
    if (node.kind !== Kind.VARIABLE) return node.kind === Kind.FLOAT ? Number(node.value) : undefined;
    const name = node.name.value;
    if (Object.hasOwn(variables, name)) return variables[name];
    const fallback = variableDefaults.get(name);
    return fallback ? valueOf(fallback) : undefined;
  };

  const pageSizeOf = (field: SchemaField, node: FieldNode): number => {
    let size: number | undefined;
    let sized = false;
    for (const argument of field.args) {
      if (!(PAGE_SIZE_ARGUMENTS as readonly string[]).includes(argument.name)) continue;
      sized = true;
      const given = node.arguments?.find((candidate) => candidate.name.value === argument.name);
      let value = given ? valueOf(given.value) : undefined;
      if (value === undefined) value = argument.defaultValue;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue; // null or not a number: the resolver decides or refuses
      if ((value < 1 || value > maxPageSize) && !invalidPage) invalidPage = { field: node.name.value, argument: argument.name, value };
      size = Math.max(size ?? 1, Math.min(Math.trunc(value), maxPageSize));
    }
    return sized ? (size ?? maxPageSize) : 1;
  };

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, guard: number): number => {
    if (guard > 200) return 0; // deeper than any limit allows; cycles are refused by validation
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = selection.selectionSet ? fieldOf(schema, parent, selection.name.value) : undefined;
        if (!selection.selectionSet || !field) {
          total += 1;
          continue;
        }
        const size = pageSizeOf(field, selection);
        total += 1 + size * selectionCost(selection.selectionSet, namedTypeOf(field.type), guard + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, type ?? undefined, guard + 1);
      } else {
        const name = selection.name.value;
        let cost = fragmentCosts.get(name);
        if (cost === undefined) {
          fragmentCosts.set(name, 0); // a cycle costs nothing here; validation refuses it
          const fragment = fragments.get(name);
          cost = fragment ? selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, guard + 1) : 0;
          fragmentCosts.set(name, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  const cost = selectionCost(operation.selectionSet, root ?? undefined, 0);
  return invalidPage ? { cost, invalidPage } : { cost };
}

/** No operation of the document answers to the request's operationName (or it names none of several). */
function unresolvedOperation(document: DocumentNode, operationName: string | undefined): GraphQLError {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION).length;
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : operations === 0
      ? 'Must provide an operation.'
      : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
}

/**
 * Checks page sizes and cost once the operation and its variables are known, before it runs
 * (and before a persisted query is registered or a cached response is served). Both bounds of a
 * page size are checked here, so `first: 0` and `first: 1000` are one kind of error with one
 * status (400), on every server, rather than one refused here and the other by a resolver.
 */
export function documentLimitsPlugin<Context extends BaseContext>(limits: DocumentLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Said here, for every server alike: the gateway's executor would throw it as an internal error (500).
          if (!operation) throw unresolvedOperation(document, request.operationName);
          const { cost, invalidPage } = analyzeOperation(schema, document, operation, request.variables ?? {}, limits.maxPageSize);
          if (invalidPage) {
            throw new LimitError(
              LIMIT_CODES.pageSize,
              `${invalidPage.argument} must be between 1 and ${limits.maxPageSize} (${invalidPage.field} asked for ${invalidPage.value}).`,
            );
          }
          if (cost > limits.maxCost) {
            throw new LimitError(LIMIT_CODES.cost, `Query cost limit of ${limits.maxCost} exceeded, found ${cost}.`);
          }
        },
      };
    },
  };
}

/** What a server's Apollo options need for the limits: rules, the parser's token limit and the plugin. */
export function apolloLimitOptions<Context extends BaseContext>(
  limits: DocumentLimits,
): Pick<ApolloServerOptions<Context>, 'validationRules' | 'parseOptions'> & { plugin: ApolloServerPlugin<Context> } {
  return {
    validationRules: documentLimitRules(limits),
    parseOptions: { maxLexicalTokens: limits.maxTokens },
    plugin: documentLimitsPlugin<Context>(limits),
  };
}
