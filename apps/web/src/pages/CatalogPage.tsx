import { useQuery } from '@apollo/client/react';
import { type SubmitEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ProductGrid } from '../components/ProductCard.js';
import { Pager } from '../components/Pager.js';
import { Empty, ErrorNotice, Loading } from '../components/Status.js';
import { CatalogPageDocument, type CatalogPageQuery } from '../generated/graphql.js';
import { useTitle } from '../lib/title.js';
import { formText } from '../lib/form.js';

const PAGE_SIZE = 12;

export function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const category = params.get('category') ?? undefined;
  const search = params.get('q') ?? undefined;
  const after = params.get('after') ?? undefined;
  const { data, previousData, loading, error, refetch } = useQuery(CatalogPageDocument, {
    variables: { category, search, first: PAGE_SIZE, after },
  });
  // The menu stays put while the next page loads.
  const categories = (data ?? previousData)?.categories ?? [];
  const current = categories.find((entry) => entry.slug === category);
  const heading = search ? `Results for “${search}”` : (current?.name ?? (category ? 'Category' : 'All products'));
  useTitle(heading);

  const submitSearch = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = formText(new FormData(event.currentTarget), 'q').trim();
    const next = new URLSearchParams();
    if (category) next.set('category', category);
    if (text) next.set('q', text);
    setParams(next);
  };

  return (
    <div className="catalog">
      <aside className="catalog-menu">
        <form role="search" onSubmit={submitSearch} key={search ?? ''}>
          <label htmlFor="catalog-search">Search products</label>
          <div className="search-row">
            <input id="catalog-search" name="q" type="search" defaultValue={search ?? ''} />
            <button type="submit">Search</button>
          </div>
        </form>
        <nav aria-label="Categories">
          <h2 className="menu-heading">Categories</h2>
          <ul className="category-list">
            <li>
              <Link to="/" aria-current={!category ? 'page' : undefined}>
                All products
              </Link>
            </li>
            {categories.map((entry) => (
              <li key={entry.id}>
                <Link
                  to={`/?category=${encodeURIComponent(entry.slug)}`}
                  aria-current={entry.slug === category ? 'page' : undefined}
                >
                  {entry.name} <span className="count">({entry.productCount})</span>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <section className="catalog-results" aria-labelledby="catalog-heading">
        <h1 id="catalog-heading">{heading}</h1>
        {error ? (
          <ErrorNotice error={error} retry={() => refetch()} />
        ) : loading && !data ? (
          <Loading what="products" />
        ) : data ? (
          <Results catalog={data.catalog} />
        ) : null}
      </section>
    </div>
  );
}

function Results({ catalog }: { catalog: CatalogPageQuery['catalog'] }) {
  if (catalog.totalCount === 0) return <Empty>No products match. Try another category or search.</Empty>;
  const products = catalog.edges.map((edge) => edge.node);
  return (
    <>
      <p className="summary" role="status">
        {catalog.totalCount} {catalog.totalCount === 1 ? 'product' : 'products'}
      </p>
      <ProductGrid products={products} label="Products" />
      <Pager hasNextPage={catalog.pageInfo.hasNextPage} endCursor={catalog.pageInfo.endCursor} label="Catalog pages" />
    </>
  );
}
