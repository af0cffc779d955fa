import { useMutation, useQuery } from '@apollo/client/react';
import { useRef, useState, type SubmitEvent } from 'react';
import { Link, useParams } from 'react-router';
import { Field, FormErrors, useFocusFirstError, type UserError } from '../components/Form.js';
import { SignInPrompt } from '../components/SignInPrompt.js';
import { ErrorNotice, Loading } from '../components/Status.js';
import {
  ProductPageDocument,
  UpdateProductDocument,
  type ProductPageQuery,
  type UpdateProductInput,
} from '../generated/graphql.js';
import { priceStep, toMajorUnits, toMinorUnits } from '../lib/money.js';
import { useTitle } from '../lib/title.js';
import { useViewer } from '../lib/viewer.js';
import { formText } from '../lib/form.js';

type Product = NonNullable<ProductPageQuery['product']>;
// Fields shown with their input; a description error shows in the form's summary.
const FIELDS = ['name', 'priceAmount', 'stockQuantity'];

export function AdminProductPage() {
  const { slug = '' } = useParams();
  const { viewer, known } = useViewer();
  const { data, loading, error, refetch } = useQuery(ProductPageDocument, { variables: { slug }, fetchPolicy: 'network-only' });
  useTitle(data?.product ? `Edit ${data.product.name}` : 'Edit product');

  if (!known) return <Loading what="your account" />;
  if (!viewer) return <SignInPrompt what="the catalog administration" />;
  if (viewer.role !== 'ADMIN') {
    return (
      <p className="notice notice-error" role="alert">
        Only administrators can edit products.
      </p>
    );
  }
  if (error && !data) return <ErrorNotice error={error} retry={() => refetch()} />;
  if (loading && !data) return <Loading what="the product" />;
  if (!data?.product) return <h1>Product not found</h1>;
  return <EditProductForm product={data.product} />;
}

function EditProductForm({ product }: { product: Product }) {
  const form = useRef<HTMLFormElement>(null);
  const [updateProduct, { loading, error }] = useMutation(UpdateProductDocument);
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const [saved, setSaved] = useState<{ slug: string } | null>(null);
  useFocusFirstError(form, userErrors);
  const currency = product.price.currency;

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(null);
    const values = new FormData(event.currentTarget);
    const priceAmount = toMinorUnits(formText(values, 'priceAmount'), currency);
    const stockText = formText(values, 'stockQuantity').trim();
    const stockQuantity = Number(stockText);
    // What the inputs cannot even send; the BFF judges the rest (userErrors).
    const unreadable: UserError[] = [
      ...(priceAmount === undefined
        ? [{ field: 'priceAmount', message: 'Enter a price of zero or more.', code: 'INVALID_PRICE' }]
        : []),
      ...(stockText === '' || !Number.isInteger(stockQuantity)
        ? [{ field: 'stockQuantity', message: 'Enter a whole number of units.', code: 'INVALID_QUANTITY' }]
        : []),
    ];
    if (unreadable.length > 0 || priceAmount === undefined) {
      setUserErrors(unreadable);
      return;
    }
    // Only what changed, so an edit never overwrites a concurrent change to another field.
    const input: UpdateProductInput = {};
    const name = formText(values, 'name');
    const description = formText(values, 'description');
    if (name !== product.name) input.name = name;
    if (description !== product.description) input.description = description;
    if (priceAmount !== product.price.amount) input.priceAmount = priceAmount;
    if (stockQuantity !== product.stock.quantity) input.stockQuantity = stockQuantity;
    const { data } = await updateProduct({ variables: { id: product.id, input } }).catch(() => ({ data: undefined }));
    if (!data) return;
    setUserErrors(data.updateProduct.userErrors);
    if (data.updateProduct.product) setSaved({ slug: data.updateProduct.product.slug });
  };

  return (
    <section className="form-page" aria-labelledby="edit-heading">
      <h1 id="edit-heading">Edit {product.name}</h1>
      <form ref={form} onSubmit={(event) => void submit(event)} noValidate>
        <FormErrors errors={userErrors} fields={FIELDS} />
        {error && <ErrorNotice error={error} />}
        <Field label="Name" name="name" defaultValue={product.name} required errors={userErrors} />
        <div className="field">
          <label htmlFor="field-description">Description</label>
          <textarea id="field-description" name="description" rows={4} defaultValue={product.description} />
        </div>
        <Field
          label={`Price (${currency})`}
          name="priceAmount"
          type="number"
          min={0}
          step={priceStep(currency)}
          defaultValue={toMajorUnits(product.price.amount, currency)}
          required
          errors={userErrors}
        />
        <Field
          label="Units in stock"
          name="stockQuantity"
          type="number"
          min={0}
          step={1}
          defaultValue={product.stock.quantity}
          required
          errors={userErrors}
        />
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Saving…' : 'Save changes'}
        </button>
        <p role="status">
          {saved && (
            <>
              Saved. <Link to={`/products/${saved.slug}`}>View the product page</Link>
            </>
          )}
        </p>
      </form>
    </section>
  );
}
