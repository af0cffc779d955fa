import type { MutationResolvers, ResolversTypes } from '../generated/graphql.js';
import type { WebContext } from '../context.js';
import {
  CancelOrderDocument,
  LogInDocument,
  LogOutDocument,
  PlaceOrderDocument,
  SignUpDocument,
  UpdateProductDocument,
  type SignUpMutation,
} from '../gateway.js';
import { invalidate, tagOrder } from '../tags.js';
import { limitSignIn, tags } from '@storefront/bff';

/** What signUp and logIn answer (the same selection). */
type AuthResult = SignUpMutation['signUp'];

const caller = (context: WebContext) => ({
  requestId: context.requestId,
  clientIp: context.clientIp,
  accessToken: context.session.accessToken,
});

/** Signs the browser in with cookies; the tokens never reach the response body. */
async function signedIn(result: AuthResult, context: WebContext): Promise<ResolversTypes['AuthPayload']> {
  if (!result.session || !result.user) return { viewer: null, userErrors: result.userErrors };
  await context.session.start(result.session);
  context.viewer = context.session.viewer;
  return { viewer: result.user, userErrors: [] };
}

export const Mutation: MutationResolvers = {
  // Both are sign-in attempts: failures count per account and per address (credential stuffing, enumeration).
  signUp: async (_parent, { input }, context) => {
    const data = await limitSignIn(
      context,
      input.email,
      () => context.gateway.request(SignUpDocument, { input }, caller(context)),
      (result) => Boolean(result.signUp.session),
    );
    return signedIn(data.signUp, context);
  },

  logIn: async (_parent, { email, password }, context) => {
    const data = await limitSignIn(
      context,
      email,
      () => context.gateway.request(LogInDocument, { email, password }, caller(context)),
      (result) => Boolean(result.logIn.session),
    );
    return signedIn(data.logIn, context);
  },

  logOut: async (_parent, _args, context) => {
    const { refreshToken } = context.session;
    const { viewer } = context;
    // Cookies go whatever happens next: signing out must work even while users is down.
    context.session.end();
    if (refreshToken) {
      await context.refresher.forget(refreshToken);
      await context.gateway
        .request(LogOutDocument, { refreshToken }, { requestId: context.requestId, clientIp: context.clientIp })
        .catch((error: unknown) => context.logger?.warn({ err: error }, 'could not revoke the refresh token'));
    }
    // Streams opened with this session end on every instance, not only this one.
    if (viewer) {
      await context.liveEvents
        ?.sessionEnded(viewer)
        .catch((error: unknown) => context.logger?.warn({ err: error }, 'could not end the live streams of the session'));
    }
    return true;
  },

  placeOrder: async (_parent, { input, idempotencyKey }, context) => {
    const data = await context.gateway.request(PlaceOrderDocument, { input, idempotencyKey }, caller(context));
    const { order } = data.placeOrder;
    if (order) await invalidate(context, [tags.user(order.buyer.id)]);
    tagOrder(context, order);
    return data.placeOrder;
  },

  cancelOrder: async (_parent, { id }, context) => {
    const data = await context.gateway.request(CancelOrderDocument, { id }, caller(context));
    const { order } = data.cancelOrder;
    if (order) await invalidate(context, [tags.user(order.buyer.id), tags.order(order.id)]);
    return data.cancelOrder;
  },

  updateProduct: async (_parent, { id, input }, context) => {
    const data = await context.gateway.request(UpdateProductDocument, { id, input }, caller(context));
    const { product } = data.updateProduct;
    // The product's pages and the listings showing it; listings and searches it may now enter.
    if (product) await invalidate(context, [tags.product(product.id), tags.listings]);
    return data.updateProduct;
  },
};
