import { graphql } from '@storefront/testing';
import { expect } from '@jest/globals';

/** Signs in through `url` (gateway or users subgraph) and returns the access token. */
export async function logIn(url: string, email: string, password: string): Promise<string> {
  const response = await graphql<{ logIn: { session: { accessToken: string } | null; userErrors: unknown[] } }>(
    url,
    'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } userErrors { code } } }',
    { email, password },
  );
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data?.logIn.userErrors).toEqual([]);
  return response.body.data!.logIn.session!.accessToken;
}
