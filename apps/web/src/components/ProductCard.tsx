import { Link } from 'react-router';
import type { ProductCardFragment } from '../generated/graphql.js';
import { ProductImage } from './ProductImage.js';

function ProductCard({ product }: { product: ProductCardFragment }) {
  return (
    <li className="card">
      <article aria-labelledby={`card-${product.id}`}>
        <Link to={`/products/${product.slug}`} className="card-link">
          <ProductImage image={product.image ?? null} fallbackAlt={product.name} />
          <h3 id={`card-${product.id}`}>{product.name}</h3>
        </Link>
        <p className="price">{product.price.formatted}</p>
        <p className={product.inStock ? 'stock' : 'stock stock-out'}>{product.inStock ? 'In stock' : 'Out of stock'}</p>
      </article>
    </li>
  );
}

export function ProductGrid({ products, label }: { products: readonly ProductCardFragment[]; label: string }) {
  return (
    <ul className="grid" aria-label={label}>
      {products.map((product) => (
        <ProductCard key={product.id} product={product} />
      ))}
    </ul>
  );
}
