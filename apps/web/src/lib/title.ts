import { useEffect } from 'react';

/** The tab's title, so history and screen readers name the page. */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Storefront` : 'Storefront';
  }, [title]);
}
