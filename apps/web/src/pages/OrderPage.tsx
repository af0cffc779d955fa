import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { Link, useParams } from 'react-router';
import { OrderStatusBadge } from '../components/OrderStatusBadge.js';
import { SignInPrompt } from '../components/SignInPrompt.js';
import { ErrorNotice, Loading, NotFound } from '../components/Status.js';
import {
  CancelOrderDocument,
  OrderDetailDocument,
  OrderStatusDocument,
  type OrderDetailQuery,
  type OrderStatus,
} from '../generated/graphql.js';
import { formatDateTime } from '../lib/dates.js';
import { isUnauthenticated } from '../lib/errors.js';
import { useTitle } from '../lib/title.js';

type Order = NonNullable<OrderDetailQuery['order']>;

const explanations: Record<OrderStatus, string> = {
  PENDING: 'We are reserving your items. This page updates by itself.',
  CONFIRMED: 'Your items are reserved and the order is confirmed.',
  CANCELLED: 'This order was cancelled.',
  SHIPPED: 'Your order is on its way.',
};

export function OrderPage() {
  const { id = '' } = useParams();
  const { data, loading, error, refetch } = useQuery(OrderDetailDocument, {
    variables: { id },
    fetchPolicy: 'cache-and-network',
  });
  const order = data?.order;
  useTitle(order ? `Order ${order.number}` : 'Order');

  if (isUnauthenticated(error)) return <SignInPrompt what="this order" />;
  if (error && !order) return <ErrorNotice error={error} retry={() => refetch()} />;
  if (loading && !data) return <Loading what="the order" />;
  if (!order) {
    return (
      <NotFound title="Order not found">
        There is no such order in your account. <Link to="/account">Your orders</Link>
      </NotFound>
    );
  }
  return <OrderDetails order={order} />;
}

function OrderDetails({ order }: { order: Order }) {
  // The current status first, then each change; each is written to the cache, so `order`
  // (the same Order entity) follows it. The reason is only on the live result.
  const live = useSubscription(OrderStatusDocument, { variables: { id: order.id } });
  const cancelReason = live.data?.orderUpdated.cancelReason;

  return (
    <article aria-labelledby="order-heading">
      <h1 id="order-heading">Order {order.number}</h1>
      <p className="hint">Placed {formatDateTime(order.placedAt)}</p>
      <section className="order-status" aria-labelledby="status-heading">
        <h2 id="status-heading" className="visually-hidden">
          Status
        </h2>
        <div role="status" data-testid="order-status">
          <p>
            Status: <OrderStatusBadge status={order.status} />
          </p>
          <p>{order.status === 'CANCELLED' && cancelReason ? cancelReason : explanations[order.status]}</p>
        </div>
        {live.error && <p className="hint">Live status updates are unavailable; reload the page to see changes.</p>}
        {(order.status === 'PENDING' || order.status === 'CONFIRMED') && <CancelButton orderId={order.id} />}
      </section>
      <table className="table">
        <caption>Items</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Quantity</th>
            <th scope="col">Unit price</th>
            <th scope="col">Line total</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((item, index) => (
            <tr key={item.product?.id ?? index}>
              <th scope="row">
                {item.product ? <Link to={`/products/${item.product.slug}`}>{item.product.name}</Link> : 'Product unavailable'}
              </th>
              <td>{item.quantity}</td>
              <td>{item.unitPrice.formatted}</td>
              <td>{item.lineTotal.formatted}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td data-testid="order-total">{order.total.formatted}</td>
          </tr>
        </tfoot>
      </table>
    </article>
  );
}

function CancelButton({ orderId }: { orderId: string }) {
  const [cancelOrder, { loading, error, data }] = useMutation(CancelOrderDocument, { variables: { id: orderId } });
  const userErrors = data?.cancelOrder.userErrors ?? [];
  return (
    <>
      <button type="button" onClick={() => void cancelOrder().catch(() => undefined)} disabled={loading}>
        Cancel order
      </button>
      {error && <ErrorNotice error={error} />}
      {userErrors.map((entry) => (
        <p key={entry.code} role="alert" className="field-error">
          {entry.message}
        </p>
      ))}
    </>
  );
}
