import {
  analyzeOperation,
  documentLimitRules,
  LimitError,
  LIMIT_CODES,
  maskErrors,
  type DocumentLimits,
  type NodeEnv,
} from '@storefront/http-server';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { NOT_IN_SAFELIST, persistedQueryId, type ManifestOperation } from '../persisted-queries.js';

/** A subscribe request as both transports carry it. */
export interface LiveRequest {
  query?: string | undefined;
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
  extensions?: Record<string, unknown> | null | undefined;
}

export interface LiveOperationOptions {
  schema: GraphQLSchema;
  nodeEnv: NodeEnv;
  /** The same document limits as queries: size, tokens, depth, aliases, directives, cost. */
  limits?: DocumentLimits | undefined;
  /** Persisted documents (mobile): sent by hash; with `only`, nothing else runs (production). */
  persisted?: { manifest: ReadonlyMap<string, ManifestOperation>; only: boolean } | undefined;
}

function refusal(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** The document text of a request: as sent, or from the manifest by its hash. */
function documentText(request: LiveRequest, persisted: LiveOperationOptions['persisted']): string | GraphQLError {
  const hash = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  const query = request.query ?? '';
  if (typeof hash === 'string') {
    if (query !== '' && persistedQueryId(query) !== hash) return refusal('provided sha does not match query', 'BAD_REQUEST');
    const known = persisted?.manifest.get(hash);
    if (query === '' && !known) return refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND');
    return query === '' ? known!.body : query;
  }
  if (query === '')
    return refusal(
      "A subscription needs a `query`, or a persisted document's hash in `extensions.persistedQuery`.",
      'BAD_REQUEST',
    );
  if (persisted?.only && !persisted.manifest.has(persistedQueryId(query))) {
    return refusal(
      "This operation is not one of the app's persisted operations, so this server does not run it.",
      NOT_IN_SAFELIST,
    );
  }
  return query;
}

/**
 * Turns a subscribe request into execution arguments, through the same gates as a query over
 * HTTP: persisted documents and the safelist, document size and token limits, validation with
 * the depth, alias and directive rules, cost and page sizes. Only subscriptions: queries and
 * mutations go over plain HTTP, where caching and CSRF rules apply.
 */
export function prepareLiveOperation(options: LiveOperationOptions) {
  const rules = [...specifiedRules, ...(options.limits ? documentLimitRules(options.limits) : [])];
  const parsed = new Map<string, DocumentNode>();

  return (request: LiveRequest, contextValue: unknown): ExecutionArgs | readonly GraphQLError[] => {
    const text = documentText(request, options.persisted);
    if (text instanceof GraphQLError) return [text];
    const limits = options.limits;
    if (limits && Buffer.byteLength(text, 'utf8') > limits.maxDocumentBytes) {
      return [
        new LimitError(LIMIT_CODES.documentBytes, `The document is larger than the limit of ${limits.maxDocumentBytes} bytes.`),
      ];
    }
    let document = parsed.get(text);
    if (!document) {
      try {
        document = parse(text, limits ? { maxLexicalTokens: limits.maxTokens } : {});
      } catch (error) {
        const message = error instanceof Error ? error.message : 'Syntax error.';
        return [
          /Document contains more/.test(message)
            ? new LimitError(LIMIT_CODES.tokens, message)
            : refusal(message, 'GRAPHQL_PARSE_FAILED'),
        ];
      }
      const errors = validate(options.schema, document, rules);
      if (errors.length > 0) {
        // Coded as Apollo codes them for queries; a limit's own code survives masking through `originalError`.
        return errors.map(
          (error) =>
            new GraphQLError(error.message, {
              nodes: error.nodes ?? null,
              originalError: error,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
        );
      }
      // Only valid documents are remembered; the manifest's handful in production, bounded anyway.
      if (parsed.size < 1_000) parsed.set(text, document);
    }
    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (!operation) return [refusal('Name the operation to run.', 'BAD_REQUEST')];
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      return [
        refusal('Only subscriptions are served on this connection; send queries and mutations as HTTP requests.', 'BAD_REQUEST'),
      ];
    }
    const variables = request.variables ?? {};
    if (limits) {
      const { cost, invalidPage } = analyzeOperation(options.schema, document, operation, variables, limits.maxPageSize);
      if (invalidPage)
        return [new LimitError(LIMIT_CODES.pageSize, `${invalidPage.argument} must be between 1 and ${limits.maxPageSize}.`)];
      if (cost > limits.maxCost)
        return [new LimitError(LIMIT_CODES.cost, `Query cost limit of ${limits.maxCost} exceeded, found ${cost}.`)];
    }
    return {
      schema: options.schema,
      document,
      operationName: request.operationName ?? null,
      variableValues: variables,
      contextValue,
    };
  };
}

/** Errors of a subscription payload as queries have them: public codes kept, internals masked outside development. */
export function maskLiveResult(nodeEnv: NodeEnv) {
  const mask = maskErrors(nodeEnv);
  return (result: ExecutionResult | FormattedExecutionResult): FormattedExecutionResult => {
    if (!result.errors?.length) return result;
    return {
      ...result,
      // Only errors from execution: a plain object was formatted here already (a refusal before execution).
      errors: result.errors.map((error) => (error instanceof GraphQLError ? mask(error.toJSON(), error) : error)),
    };
  };
}
