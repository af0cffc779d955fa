import { useState } from 'react';
import type { ProductCardFragment } from '../generated/graphql.js';

type Image = NonNullable<ProductCardFragment['image']>;

/**
 * A product picture at its own size (the page reserves the space). When there is none or it
 * cannot be loaded, a placeholder of the same size carries the text alternative.
 */
export function ProductImage({ image, fallbackAlt }: { image: Image | null; fallbackAlt: string }) {
  const [failed, setFailed] = useState(false);
  if (!image || failed) {
    return (
      <div className="image-placeholder" role="img" aria-label={image?.alt ?? fallbackAlt}>
        <span aria-hidden="true">{(image?.alt ?? fallbackAlt).slice(0, 1)}</span>
      </div>
    );
  }
  return <img src={image.url} alt={image.alt} width={image.width} height={image.height} loading="lazy" onError={() => setFailed(true)} />;
}
