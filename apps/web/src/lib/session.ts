import { useApolloClient } from '@apollo/client/react';
import { useNavigate, useSearchParams } from 'react-router';

/**
 * After logIn or signUp set the session cookies: everything cached was fetched as someone
 * else (or nobody), so the store is reset and the page's queries run again as the new viewer;
 * then on to where the shopper was going (`?next=`, a path of this app only).
 */
export function useSignedIn() {
  const client = useApolloClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  const target = next?.startsWith('/') && !next.startsWith('//') ? next : '/account';
  return async () => {
    await client.resetStore().catch(() => undefined);
    navigate(target, { replace: true });
  };
}
