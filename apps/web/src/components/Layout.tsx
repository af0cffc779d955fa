import { useApolloClient, useMutation } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { LogOutDocument } from '../generated/graphql.js';
import { useCart } from '../lib/cart.js';
import { useViewer } from '../lib/viewer.js';

export function Layout() {
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const first = useRef(true);

  // A new page moves the keyboard and screen reader to its content, as a page load would.
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Storefront
        </Link>
        <SiteNav />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>Storefront graph demo shop.</p>
      </footer>
    </>
  );
}

function SiteNav() {
  const { viewer, known } = useViewer();
  const cart = useCart();
  const count = cart.lines.reduce((sum, line) => sum + line.quantity, 0);
  return (
    <nav aria-label="Main">
      <ul className="nav-list">
        <li>
          <NavLink to="/" end>
            Catalog
          </NavLink>
        </li>
        <li>
          <NavLink to="/cart">
            Cart <span className="badge">{count}</span>
            <span className="visually-hidden"> items</span>
          </NavLink>
        </li>
        {viewer ? (
          <>
            <li>
              <NavLink to="/account">{viewer.name}</NavLink>
            </li>
            <li>
              <SignOutButton />
            </li>
          </>
        ) : (
          known && (
            <>
              <li>
                <NavLink to="/signin">Sign in</NavLink>
              </li>
              <li>
                <NavLink to="/signup">Sign up</NavLink>
              </li>
            </>
          )
        )}
      </ul>
    </nav>
  );
}

function SignOutButton() {
  const client = useApolloClient();
  const navigate = useNavigate();
  const [logOut, { loading, error }] = useMutation(LogOutDocument);
  const signOut = async () => {
    if (
      !(await logOut().then(
        () => true,
        () => false,
      ))
    )
      return;
    // Nothing fetched as this shopper stays in memory.
    await client.resetStore().catch(() => undefined);
    // In this router navigation completes on its own; nothing waits for it.
    void navigate('/');
  };
  return (
    <>
      <button type="button" className="link-button" onClick={() => void signOut()} disabled={loading}>
        Sign out
      </button>
      {error && (
        <span role="alert" className="nav-error">
          Could not sign out; try again.
        </span>
      )}
    </>
  );
}
