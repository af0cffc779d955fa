import { Link } from 'react-router';
import { NotFound } from '../components/Status.js';
import { useTitle } from '../lib/title.js';

export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <NotFound title="Page not found">
      Nothing lives at this address. <Link to="/">Back to the catalog</Link>
    </NotFound>
  );
}
