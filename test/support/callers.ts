import { ada, admin, grace } from '@storefront/users/seed-data';
import { graphql, type GraphQLResponse } from '@storefront/testing';
import { logIn } from './session.js';

/** Who sends an operation: nobody signed in, or one of the seed accounts. */
export type Caller = 'anonymous' | 'ada' | 'grace' | 'admin';

/** Sends one operation to the gateway as `caller` (anonymous unless given). */
export type Send = <Data = Record<string, any>>(
  query: string,
  variables?: Record<string, unknown>,
  caller?: Caller,
) => Promise<GraphQLResponse<Data>>;

/** Signs ada, grace and admin in through `url`, as a client would, and returns a sender acting as any of them. */
export async function signInSeedUsers(url: string): Promise<Send> {
  const tokens: Record<Caller, string | undefined> = {
    anonymous: undefined,
    ada: await logIn(url, ada.email, ada.password),
    grace: await logIn(url, grace.email, grace.password),
    admin: await logIn(url, admin.email, admin.password),
  };
  return (query, variables = {}, caller = 'anonymous') => graphql(url, query, variables, { token: tokens[caller] });
}
