import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * `RATE_LIMITED` with `retryAfter` (seconds), answered with HTTP 429 and `Retry-After`; without
 * the HTTP part (`http: false`) in a subgraph, whose answer must stay a GraphQL response the
 * gateway passes on (a 429 from a subgraph would read as the subgraph failing).
 */
export function rateLimitedError(
  retryAfterSeconds: number,
  message = 'Too many requests. Please slow down.',
  http = true,
): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new GraphQLError(`${message} Try again in ${retryAfter} s.`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      ...(http ? { http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } } : {}),
    },
  });
}

/**
 * HTTP 429 with `Retry-After` for a response carrying a subgraph's RATE_LIMITED error (the
 * gateway's: a subgraph refused a sign-in), as for the limits a server enforces itself.
 */
export function rateLimitedStatusPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const limited = response.body.singleResult.errors?.find((error) => error.extensions?.code === 'RATE_LIMITED');
          if (!limited) return;
          response.http.status = 429;
          const retryAfter = Number(limited.extensions?.retryAfter);
          if (Number.isInteger(retryAfter) && retryAfter > 0) response.http.headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
}
