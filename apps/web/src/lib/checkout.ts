import type { ErrorLike } from '@apollo/client';
import { useMutation } from '@apollo/client/react';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import type { UserError } from '../components/Form.js';
import { PlaceOrderDocument } from '../generated/graphql.js';
import { cartActions, type Cart } from './cart.js';

/**
 * Places the cart as one order. A click while an attempt is under way does nothing, and every
 * attempt of one checkout sends the same idempotency key (see Cart.checkoutKey): when an
 * answer is lost and the shopper tries again, the BFF returns the order already placed.
 */
export function useCheckout(cart: Cart) {
  const navigate = useNavigate();
  const [placeOrder] = useMutation(PlaceOrderDocument);
  const inFlight = useRef(false);
  const [pending, setPending] = useState(false);
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const [error, setError] = useState<ErrorLike | null>(null);

  const checkout = async () => {
    if (inFlight.current || cart.lines.length === 0) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    setUserErrors([]);
    try {
      const idempotencyKey = cartActions.checkoutKey();
      const items = cart.lines.map((line) => ({ productId: line.productId, quantity: line.quantity }));
      const { data } = await placeOrder({ variables: { input: { items }, idempotencyKey } });
      const order = data?.placeOrder.order;
      if (order) {
        cartActions.clear();
        void navigate(`/orders/${order.id}`);
      } else {
        setUserErrors(data?.placeOrder.userErrors ?? []);
      }
    } catch (failure) {
      setError(failure as ErrorLike);
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };

  return { checkout, pending, userErrors, error };
}
