import { allow, forbiddenError, isAdmin, isSignedIn, unauthenticatedError } from '@storefront/bff';
import { rule, type IRules } from 'graphql-shield';
import type { WebContext } from './context.js';
import type { GatewayOrder } from './gateway.js';

/** An order's fields: its buyer or an admin (the orders subgraph checks too). */
const isOrderBuyerOrAdmin = rule({ cache: 'strict' })((order: GatewayOrder, _args, { viewer }: WebContext) => {
  if (!viewer) return unauthenticatedError();
  return viewer.role === 'ADMIN' || order.buyer.id === viewer.id ? true : forbiddenError('This order is not yours.');
});

/**
 * Who may read and do what, field by field. Anything not listed is denied
 * (see `authorization` in @storefront/bff), so a new field starts private.
 */
export const rules: IRules = {
  Query: {
    viewer: allow,
    categories: allow,
    catalog: allow,
    product: allow,
    order: isSignedIn,
  },
  Mutation: {
    signUp: allow,
    logIn: allow,
    logOut: allow,
    placeOrder: isSignedIn,
    cancelOrder: isSignedIn,
    updateProduct: isAdmin,
  },
  // The subscription checks the order's buyer itself, when subscribing and for every event.
  Subscription: {
    orderUpdated: isSignedIn,
    productUpdated: allow,
  },
  // The public catalog.
  Money: allow,
  Image: allow,
  PageInfo: allow,
  Category: allow,
  Stock: allow,
  Product: allow,
  ProductEdge: allow,
  ProductConnection: allow,
  // Payloads: their parts carry their own rules.
  UserError: allow,
  AuthPayload: allow,
  ProductPayload: allow,
  OrderPayload: allow,
  // The signed-in shopper and their orders.
  Viewer: isSignedIn,
  OrderConnection: isSignedIn,
  OrderEdge: isSignedIn,
  Order: isOrderBuyerOrAdmin,
  OrderItem: isSignedIn,
  Buyer: isSignedIn,
};
