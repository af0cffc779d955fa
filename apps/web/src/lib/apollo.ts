import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient } from 'graphql-sse';
import { ServerSentEventsLink } from './sse-link.js';

/**
 * The app's one client of the web BFF. The session lives in HttpOnly cookies the BFF sets,
 * so every request, subscriptions included, is sent with credentials; the app never holds a
 * token. Subscriptions go over SSE, everything else over HTTP.
 */
export function createApolloClient(bffUrl: string) {
  const http = new HttpLink({ uri: bffUrl, credentials: 'include' });
  const live = new ServerSentEventsLink(createClient({ url: bffUrl, credentials: 'include' }));
  return new ApolloClient({
    link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), live, http),
    cache: new InMemoryCache(),
  });
}
