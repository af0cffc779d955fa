import { useQuery, useSubscription } from '@apollo/client/react';
import { useState, type SubmitEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ProductGrid } from '../components/ProductCard.js';
import { ProductImage } from '../components/ProductImage.js';
import { ErrorNotice, Loading, NotFound } from '../components/Status.js';
import { ProductPageDocument, ProductStockDocument, type ProductPageQuery } from '../generated/graphql.js';
import { cartActions, MAX_QUANTITY } from '../lib/cart.js';
import { useTitle } from '../lib/title.js';
import { useViewer } from '../lib/viewer.js';

type Product = NonNullable<ProductPageQuery['product']>;

export function ProductPage() {
  const { slug = '' } = useParams();
  // Cached pages show at once; the network answer follows (an admin's edit shows on the next visit).
  const { data, loading, error, refetch } = useQuery(ProductPageDocument, {
    variables: { slug },
    fetchPolicy: 'cache-and-network',
  });
  const product = data?.product;
  useTitle(product?.name ?? (data ? 'Product not found' : undefined));

  if (error && !product) return <ErrorNotice error={error} retry={() => refetch()} />;
  if (loading && !data) return <Loading what="the product" />;
  if (!product) {
    return (
      <NotFound title="Product not found">
        There is no product here. <Link to="/">Back to the catalog</Link>
      </NotFound>
    );
  }
  return <ProductDetails product={product} />;
}

function ProductDetails({ product }: { product: Product }) {
  const { viewer } = useViewer();
  // Stock and price as they change; each event is written to the cache, so the page updates.
  const live = useSubscription(ProductStockDocument, { variables: { id: product.id } });

  return (
    <article className="product" aria-labelledby="product-name">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Catalog</Link> ›{' '}
        <Link to={`/?category=${encodeURIComponent(product.category.slug)}`}>{product.category.name}</Link>
      </nav>
      <div className="product-main">
        <ul className="gallery" aria-label="Pictures">
          {product.images.length === 0 ? (
            <li>
              <ProductImage image={null} fallbackAlt={product.name} />
            </li>
          ) : (
            product.images.map((image) => (
              <li key={image.url}>
                <ProductImage image={image} fallbackAlt={product.name} />
              </li>
            ))
          )}
        </ul>
        <div className="product-info">
          <h1 id="product-name">{product.name}</h1>
          <p className="price price-large" data-testid="product-price">
            {product.price.formatted}
          </p>
          <p className={product.stock.available ? 'stock' : 'stock stock-out'} role="status" data-testid="product-stock">
            {product.stock.available ? `In stock: ${product.stock.quantity}` : 'Out of stock'}
          </p>
          {live.error && <p className="hint">Live stock updates are unavailable; reload the page for the latest stock.</p>}
          <p className="description">{product.description}</p>
          <AddToCart product={product} />
          {viewer?.role === 'ADMIN' && (
            <p>
              <Link to={`/admin/products/${product.slug}`}>Edit this product</Link>
            </p>
          )}
        </div>
      </div>
      {product.related.length > 0 && (
        <section aria-labelledby="related-heading" className="related">
          <h2 id="related-heading">Related products</h2>
          <ProductGrid products={product.related} label="Related products" />
        </section>
      )}
    </article>
  );
}

function AddToCart({ product }: { product: Product }) {
  const [added, setAdded] = useState<number | null>(null);
  const add = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const quantity = Number(new FormData(event.currentTarget).get('quantity'));
    cartActions.add({ productId: product.id, slug: product.slug, name: product.name, price: product.price, quantity });
    setAdded(quantity);
  };
  return (
    <form className="add-to-cart" onSubmit={add}>
      <div className="field field-inline">
        <label htmlFor="quantity">Quantity</label>
        <input id="quantity" name="quantity" type="number" min={1} max={MAX_QUANTITY} defaultValue={1} required />
      </div>
      <button type="submit" disabled={!product.stock.available}>
        Add to cart
      </button>
      <p role="status" className="hint">
        {added !== null && (
          <>
            Added {added} to your cart. <Link to="/cart">View cart</Link>
          </>
        )}
      </p>
    </form>
  );
}
