import { useApolloClient } from '@apollo/client/react';
import { useRef, useState, type SubmitEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useFocusFirstError, type UserError } from '../components/Form.js';

/** Where to go once signed in: `?next=` when it is a path of this app, else the account. */
function useNextPath(): string | null {
  const [params] = useSearchParams();
  const next = params.get('next');
  return next?.startsWith('/') && !next.startsWith('//') ? next : null;
}

/** A link to `path` (sign in / sign up) that keeps where the shopper was going. */
export function useKeepNext(): (path: string) => string {
  const next = useNextPath();
  return (path) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);
}

/**
 * The sign-in and sign-up forms' submit. Once logIn or signUp has set the session cookies,
 * everything cached was fetched as someone else (or nobody): the store is reset, the page's
 * queries run again as the new viewer, and the shopper goes on to where they were going.
 */
export function useAuthForm(
  send: (values: FormData) => Promise<{ viewer?: unknown; userErrors: readonly UserError[] } | undefined>,
) {
  const client = useApolloClient();
  const navigate = useNavigate();
  const next = useNextPath();
  const form = useRef<HTMLFormElement>(null);
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  useFocusFirstError(form, userErrors);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    void (async () => {
      // A failed request is shown from the mutation's own error state.
      const payload = await send(values).catch(() => undefined);
      if (!payload) return;
      if (!payload.viewer) {
        setUserErrors(payload.userErrors);
        return;
      }
      await client.resetStore().catch(() => undefined);
      void navigate(next ?? '/account', { replace: true });
    })();
  };
  return { form, userErrors, onSubmit };
}
