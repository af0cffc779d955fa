import { Link } from 'react-router';
import { useTitle } from '../lib/title.js';

export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to the catalog</Link>
      </p>
    </>
  );
}
