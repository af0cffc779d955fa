import { useQuery } from '@apollo/client/react';
import { ViewerDocument } from '../generated/graphql.js';

/**
 * The signed-in shopper (null when signed out), from the Viewer query the header also shows.
 * `known` once the BFF answered, or failed to: a shop it cannot reach still offers to sign in.
 */
export function useViewer() {
  const { data, error } = useQuery(ViewerDocument);
  return { viewer: data?.viewer ?? null, known: data !== undefined || error !== undefined };
}
