import { Link, useLocation, useSearchParams } from 'react-router';

interface PagerState {
  /** The `after` cursors of the pages before this one, oldest first ('' is the first page). */
  trail?: string[];
}

/**
 * Previous / next links over a Relay connection, with the cursor in the URL (`?after=`) so
 * a page can be linked and reloaded. Connections only page forward, so the way back is the
 * trail of earlier cursors kept in the history entry.
 */
export function Pager({
  hasNextPage,
  endCursor,
  label,
}: {
  hasNextPage: boolean;
  endCursor: string | null | undefined;
  label: string;
}) {
  const [params] = useSearchParams();
  const location = useLocation();
  const trail = (location.state as PagerState | null)?.trail ?? [];
  const after = params.get('after');

  const withAfter = (cursor: string) => {
    const next = new URLSearchParams(params);
    if (cursor) next.set('after', cursor);
    else next.delete('after');
    const search = next.toString();
    return search ? `?${search}` : location.pathname;
  };

  if (!after && !hasNextPage) return null;
  return (
    <nav className="pager" aria-label={label}>
      {after && (
        <Link to={withAfter(trail.at(-1) ?? '')} state={{ trail: trail.slice(0, -1) } satisfies PagerState} rel="prev">
          ← Previous page
        </Link>
      )}
      {hasNextPage && endCursor && (
        <Link to={withAfter(endCursor)} state={{ trail: [...trail, after ?? ''] } satisfies PagerState} rel="next">
          Next page →
        </Link>
      )}
    </nav>
  );
}
