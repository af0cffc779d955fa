import { useQuery } from '@apollo/client/react';
import { Link, useSearchParams } from 'react-router';
import { OrderStatusBadge } from '../components/OrderStatusBadge.js';
import { Pager } from '../components/Pager.js';
import { SignInPrompt } from '../components/SignInPrompt.js';
import { Empty, ErrorNotice, Loading } from '../components/Status.js';
import { ViewerDocument, type ViewerQuery } from '../generated/graphql.js';
import { formatDateTime } from '../lib/dates.js';
import { useTitle } from '../lib/title.js';

const ORDERS_PER_PAGE = 10;

export function AccountPage() {
  useTitle('Your account');
  const [params] = useSearchParams();
  const after = params.get('after') ?? undefined;
  // Orders change behind the page (placed in another tab, confirmed later): always asked again.
  const { data, loading, error, refetch } = useQuery(ViewerDocument, {
    variables: { ordersFirst: ORDERS_PER_PAGE, ordersAfter: after },
    fetchPolicy: 'cache-and-network',
  });

  if (error && !data) return <ErrorNotice error={error} retry={() => refetch()} />;
  if (loading && !data) return <Loading what="your account" />;
  const viewer = data?.viewer;
  if (!viewer) {
    return (
      <>
        <h1>Your account</h1>
        <SignInPrompt what="your account and orders" />
      </>
    );
  }
  return (
    <>
      <h1>Your account</h1>
      <dl className="details">
        <dt>Name</dt>
        <dd>{viewer.name}</dd>
        <dt>Email</dt>
        <dd>{viewer.email}</dd>
        {viewer.role === 'ADMIN' && (
          <>
            <dt>Role</dt>
            <dd>Administrator: open any product and choose “Edit this product”.</dd>
          </>
        )}
      </dl>
      <section aria-labelledby="orders-heading">
        <h2 id="orders-heading">Your orders</h2>
        <OrderHistory orders={viewer.orders} />
      </section>
    </>
  );
}

function OrderHistory({ orders }: { orders: NonNullable<ViewerQuery['viewer']>['orders'] }) {
  if (orders.totalCount === 0) return <Empty>You have not ordered anything yet.</Empty>;
  return (
    <>
      <p className="summary">
        {orders.totalCount} {orders.totalCount === 1 ? 'order' : 'orders'}
      </p>
      <table className="table">
        <caption className="visually-hidden">Your orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Items</th>
            <th scope="col">Total</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {orders.edges.map(({ node }) => (
            <tr key={node.id}>
              <th scope="row">
                <Link to={`/orders/${node.id}`}>{node.number}</Link>
              </th>
              <td>{formatDateTime(node.placedAt)}</td>
              <td>{node.itemCount}</td>
              <td>{node.total.formatted}</td>
              <td>
                <OrderStatusBadge status={node.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager hasNextPage={orders.pageInfo.hasNextPage} endCursor={orders.pageInfo.endCursor} label="Order pages" />
    </>
  );
}
