import { useState, type CSSProperties } from 'react';
import type { ProductCardFragment } from '../generated/graphql.js';

type Image = NonNullable<ProductCardFragment['image']>;

/**
 * A product picture at its own size (the page reserves the space). When there is none or it
 * cannot be loaded, a placeholder of the same size carries the text alternative.
 */
export function ProductImage({ image, fallbackAlt }: { image: Image | null; fallbackAlt: string }) {
  const [failed, setFailed] = useState(false);
  if (!image || failed) {
    const alt = image?.alt ?? fallbackAlt;
    return (
      <div className="image-placeholder" role="img" aria-label={alt} style={{ '--hue': hueOf(alt) } as CSSProperties}>
        <span aria-hidden="true">{alt.slice(0, 1)}</span>
      </div>
    );
  }
  return (
    <img
      src={image.url}
      alt={image.alt}
      width={image.width}
      height={image.height}
      loading="lazy"
      onError={() => setFailed(true)}
    />
  );
}

/** A steady colour per product, so placeholders side by side tell products apart. */
function hueOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return hash;
}
