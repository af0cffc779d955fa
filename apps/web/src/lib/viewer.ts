import { useQuery } from '@apollo/client/react';
import { ViewerDocument } from '../generated/graphql.js';

/** The signed-in shopper (null when signed out), from the Viewer query the header also shows. */
export function useViewer() {
  const { data, loading, error, refetch } = useQuery(ViewerDocument);
  return { viewer: data?.viewer ?? null, known: data !== undefined, loading, error, refetch };
}
