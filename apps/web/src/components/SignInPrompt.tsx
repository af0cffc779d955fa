import { Link, useLocation } from 'react-router';

/** Shown where a page needs a signed-in shopper; brings them back here after signing in. */
export function SignInPrompt({ what }: { what: string }) {
  const { pathname, search } = useLocation();
  return (
    <p className="notice">
      <Link to={`/signin?next=${encodeURIComponent(pathname + search)}`}>Sign in</Link> to see {what}.
    </p>
  );
}
