import { Link } from 'react-router';
import { FormErrors } from '../components/Form.js';
import { Empty, ErrorNotice } from '../components/Status.js';
import { cartActions, MAX_QUANTITY, useCart, type CartLine } from '../lib/cart.js';
import { useCheckout } from '../lib/checkout.js';
import { useTitle } from '../lib/title.js';
import { useViewer } from '../lib/viewer.js';

export function CartPage() {
  useTitle('Cart');
  const cart = useCart();
  const { viewer, known } = useViewer();
  const { checkout, pending, userErrors, error } = useCheckout(cart);

  if (cart.lines.length === 0) {
    return (
      <>
        <h1>Your cart</h1>
        <Empty>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </Empty>
      </>
    );
  }
  const lineErrors = (index: number) => userErrors.filter((entry) => entry.field?.startsWith(`items.${index}.`));
  return (
    <>
      <h1>Your cart</h1>
      <table className="table">
        <caption className="visually-hidden">Products in your cart</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Unit price</th>
            <th scope="col">Quantity</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {cart.lines.map((line, index) => (
            <CartRow key={line.productId} line={line} errors={lineErrors(index).map((entry) => entry.message)} />
          ))}
        </tbody>
      </table>
      <p className="hint">Prices are confirmed when you place the order.</p>
      <FormErrors errors={userErrors.filter((entry) => !entry.field?.startsWith('items.'))} fields={[]} />
      {error && <ErrorNotice error={error} retry={checkout} />}
      {viewer ? (
        <button type="button" className="primary" onClick={() => void checkout()} disabled={pending} aria-busy={pending}>
          {pending ? 'Placing your order…' : 'Place order'}
        </button>
      ) : (
        known && (
          <p>
            <Link to="/signin?next=/cart">Sign in</Link> or <Link to="/signup?next=/cart">create an account</Link> to place your
            order.
          </p>
        )
      )}
    </>
  );
}

function CartRow({ line, errors }: { line: CartLine; errors: string[] }) {
  const inputId = `quantity-${line.productId}`;
  return (
    <tr>
      <td>
        <Link to={`/products/${line.slug}`}>{line.name}</Link>
        {errors.map((message) => (
          <p key={message} className="field-error" role="alert">
            {message}
          </p>
        ))}
      </td>
      <td>{line.price.formatted}</td>
      <td>
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {line.name}
        </label>
        <input
          id={inputId}
          type="number"
          min={1}
          max={MAX_QUANTITY}
          value={line.quantity}
          onChange={(event) => cartActions.setQuantity(line.productId, Number(event.target.value))}
          className="quantity"
        />
      </td>
      <td>
        <button type="button" className="link-button" onClick={() => cartActions.remove(line.productId)}>
          Remove<span className="visually-hidden"> {line.name}</span>
        </button>
      </td>
    </tr>
  );
}
