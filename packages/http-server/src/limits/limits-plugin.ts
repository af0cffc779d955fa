import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode } from 'graphql';
import { LIMIT_CODES, LimitError, type DocumentLimits } from './document-limits.js';
import { analyzeOperation } from './operation-cost.js';
import { documentLimitRules } from './validation-rules.js';

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
function documentLimitsPlugin<Context extends BaseContext>(limits: DocumentLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Said here, for every server alike: the gateway's executor would throw it as an internal error (500).
          if (!operation) throw unresolvedOperation(document, request.operationName);
          const { cost, invalidPage } = analyzeOperation(
            schema,
            document,
            operation,
            request.variables ?? {},
            limits.maxPageSize,
          );
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
