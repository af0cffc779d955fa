import type { MutationResolvers, ResolversTypes } from '../generated/graphql.js';
import type { WebContext } from '../context.js';
import {
  ORDER,
  PRODUCT,
  SESSION,
  USER_ERRORS,
  VIEWER,
  type GatewayOrder,
  type GatewayProduct,
  type GatewaySession,
  type GatewayUserError,
  type GatewayViewer,
} from '../gateway.js';
import { invalidate, tagOrder } from '../tags.js';
import { limitSignIn } from '@storefront/bff';

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${SESSION} user { ${VIEWER} } ${USER_ERRORS} } }`;
const LOG_IN = `mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { ${SESSION} user { ${VIEWER} } ${USER_ERRORS} } }`;
const LOG_OUT = 'mutation LogOut($refreshToken: String!) { logOut(refreshToken: $refreshToken) }';
const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) { placeOrder(input: $input, idempotencyKey: $idempotencyKey) { order { ${ORDER} } ${USER_ERRORS} } }`;
const CANCEL_ORDER = `mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { order { ${ORDER} } ${USER_ERRORS} } }`;
const UPDATE_PRODUCT = `mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { product { ${PRODUCT} } ${USER_ERRORS} } }`;

interface AuthResult {
  session: GatewaySession | null;
  user: GatewayViewer | null;
  userErrors: GatewayUserError[];
}

const caller = (context: WebContext) => ({ requestId: context.requestId, accessToken: context.session.accessToken });

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
      () => context.gateway.data<{ signUp: AuthResult }>('SignUp', SIGN_UP, { input }, caller(context)),
      (result) => Boolean(result.signUp.session),
    );
    return signedIn(data.signUp, context);
  },

  logIn: async (_parent, { email, password }, context) => {
    const data = await limitSignIn(
      context,
      email,
      () => context.gateway.data<{ logIn: AuthResult }>('LogIn', LOG_IN, { email, password }, caller(context)),
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
        .data('LogOut', LOG_OUT, { refreshToken }, { requestId: context.requestId })
        .catch((error: unknown) => context.logger?.warn({ err: error }, 'could not revoke the refresh token'));
    }
    // Streams opened with this session end on every instance, not only this one.
    if (viewer) {
      await context.liveEvents?.sessionEnded(viewer).catch((error: unknown) => context.logger?.warn({ err: error }, 'could not end the live streams of the session'));
    }
    return true;
  },

  placeOrder: async (_parent, { input, idempotencyKey }, context) => {
    const data = await context.gateway.data<{ placeOrder: { order: GatewayOrder | null; userErrors: GatewayUserError[] } }>(
      'PlaceOrder',
      PLACE_ORDER,
      { input, idempotencyKey },
      caller(context),
    );
    const { order } = data.placeOrder;
    if (order) await invalidate(context, [`user:${order.buyer.id}`]);
    tagOrder(context, order);
    return data.placeOrder;
  },

  cancelOrder: async (_parent, { id }, context) => {
    const data = await context.gateway.data<{ cancelOrder: { order: GatewayOrder | null; userErrors: GatewayUserError[] } }>(
      'CancelOrder',
      CANCEL_ORDER,
      { id },
      caller(context),
    );
    const { order } = data.cancelOrder;
    if (order) await invalidate(context, [`user:${order.buyer.id}`, `order:${order.id}`]);
    return data.cancelOrder;
  },

  updateProduct: async (_parent, { id, input }, context) => {
    const data = await context.gateway.data<{ updateProduct: { product: GatewayProduct | null; userErrors: GatewayUserError[] } }>(
      'UpdateProduct',
      UPDATE_PRODUCT,
      { id, input },
      caller(context),
    );
    const { product } = data.updateProduct;
    // The product's pages and the listings showing it; listings and searches it may now enter.
    if (product) await invalidate(context, [`product:${product.id}`, 'catalog']);
    return data.updateProduct;
  },
};
