import { allow, forbiddenError, isSignedIn, unauthenticatedError } from '@storefront/bff';
import { rule, type IRules } from 'graphql-shield';
import type { MobileContext } from './context.js';
import type { GatewayOrderSummary } from './gateway.js';

/** An order's fields: its buyer or an admin (the orders subgraph checks too). */
const isOrderBuyerOrAdmin = rule({ cache: 'strict' })((order: GatewayOrderSummary, _args, { viewer }: MobileContext) => {
  if (!viewer) return unauthenticatedError();
  return viewer.role === 'ADMIN' || order.buyer.id === viewer.id ? true : forbiddenError('This order is not yours.');
});

/**
 * Who may read and do what, field by field. Anything not listed is denied
 * (see `authorization` in @storefront/bff), so a new field starts private.
 */
export const rules: IRules = {
  Query: {
    products: allow,
    product: allow,
    // Public parts for everyone; recentOrders is empty when signed out.
    home: allow,
    myOrders: isSignedIn,
  },
  Mutation: {
    logIn: allow,
    refreshSession: allow,
    placeOrder: isSignedIn,
  },
  // The subscriptions check the order's buyer themselves, when subscribing and for every event.
  Subscription: {
    orderUpdated: isSignedIn,
    myOrderUpdated: isSignedIn,
  },
  // The public catalog.
  PageInfo: allow,
  Category: allow,
  ProductTile: allow,
  ProductList: allow,
  Product: allow,
  Home: allow,
  // Payloads: their parts carry their own rules. A session goes only to whoever proved the
  // password or refresh token that produced it.
  MutationError: allow,
  LogInPayload: allow,
  RefreshSessionPayload: allow,
  PlaceOrderPayload: allow,
  Session: allow,
  User: allow,
  // The signed-in user's orders.
  OrderList: isSignedIn,
  OrderSummary: isOrderBuyerOrAdmin,
};
