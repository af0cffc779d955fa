import type { MutationResolvers } from '../generated/graphql.js';
import type { MobileContext } from '../context.js';
import {
  LogInDocument,
  PlaceOrderDocument,
  RefreshSessionDocument,
  type GatewayUserError,
  type PlaceOrderMutation,
} from '../gateway.js';
import { invalidate } from '../tags.js';
import { limitSignIn, tags } from '@storefront/bff';

const caller = (context: MobileContext) => ({
  requestId: context.requestId,
  clientIp: context.clientIp,
  accessToken: context.accessToken,
});

/** The app shows one failure at a time: the first of the subgraph's userErrors. */
function firstError(userErrors: GatewayUserError[]): { code: string; message: string } | null {
  const [first] = userErrors;
  return first ? { code: first.code, message: first.message } : null;
}

// Each mutation is one gateway call and is never retried here: a retry is the app's, with
// the same idempotencyKey for placeOrder, so it can never place a second order.
export const Mutation: MutationResolvers = {
  logIn: async (_parent, { email, password }, context) => {
    // Failures count per account and per address; over either budget → RATE_LIMITED (429).
    const data = await limitSignIn(
      context,
      email,
      () =>
        context.gateway.request(LogInDocument, { email, password }, { requestId: context.requestId, clientIp: context.clientIp }),
      (result) => Boolean(result.logIn.session),
    );
    const { session, user, userErrors } = data.logIn;
    if (!session || !user) return { session: null, user: null, error: firstError(userErrors) ?? unexpected() };
    return { session, user, error: null };
  },

  refreshSession: async (_parent, { refreshToken }, context) => {
    // Straight through, one exchange per call: presenting a spent token must reach the users
    // service, which then ends the whole session (REFRESH_TOKEN_REUSED).
    const data = await context.gateway.request(
      RefreshSessionDocument,
      { refreshToken },
      { requestId: context.requestId, clientIp: context.clientIp },
    );
    const { session, userErrors } = data.refreshSession;
    if (!session) return { session: null, error: firstError(userErrors) ?? unexpected() };
    return { session, error: null };
  },

  placeOrder: async (_parent, { items, idempotencyKey }, context) => {
    let data: PlaceOrderMutation;
    try {
      data = await context.gateway.request(PlaceOrderDocument, { input: { items }, idempotencyKey }, caller(context));
    } catch (error) {
      // A timeout leaves the outcome unknown: the order may exist, so the user's cached
      // screens go. The app retries with the same key and gets that order, never a second.
      if (context.viewer) await invalidate(context, [tags.user(context.viewer.id)]);
      throw error;
    }
    const { order, userErrors } = data.placeOrder;
    if (!order) return { order: null, error: firstError(userErrors) ?? unexpected() };
    // The user's home and order list now show it.
    await invalidate(context, [tags.user(order.buyer.id)]);
    return { order, error: null };
  },
};

/** A payload with neither a result nor an error: never expected from the subgraphs. */
function unexpected() {
  return { code: 'UNEXPECTED', message: 'Something went wrong. Please try again.' };
}
