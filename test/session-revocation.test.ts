// A reused refresh token ends its session, and with it every access token that session was
// issued: the gateway and both BFFs refuse them within the revocation check's cache window
// (SESSION_REVOCATION_CACHE_MS), not after the tokens' 15 minutes.
import { ada } from '@storefront/users/seed-data';
import { eventually, graphql } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { send as sendMobile } from './support/mobile.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';

const CACHE_MS = 1_000;

const SESSION = 'session { accessToken refreshToken } userErrors { code }';
const LOG_IN = `mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { ${SESSION} } }`;
const REFRESH = `mutation ($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${SESSION} } }`;

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

const until = (check: () => Promise<boolean>, withinMs: number) =>
  eventually(check, Boolean, 'the condition', { timeoutMs: withinMs, intervalMs: 50 });

describe('a reused refresh token revokes the access tokens of its session', () => {
  let stack: Stack;
  beforeAll(async () => {
    const window = { SESSION_REVOCATION_CACHE_MS: String(CACHE_MS) };
    stack = await startStack({ web: true, mobile: true, gatewayEnv: window, webEnv: window, mobileEnv: window });
  });
  afterAll(() => stack?.stop());

  const logIn = async (): Promise<Tokens> => {
    const response = await graphql(stack.gatewayUrl, LOG_IN, { email: ada.email, password: ada.password });
    return response.body.data!.logIn.session;
  };
  const refresh = async (refreshToken: string) =>
    (await graphql(stack.gatewayUrl, REFRESH, { refreshToken })).body.data!.refreshSession;

  /** Whether each tier still takes `accessToken` as ada's. */
  const accepted = async (accessToken: string) => {
    const gateway = await graphql(stack.gatewayUrl, '{ me { id } }', {}, { token: accessToken });
    const mobile = await sendMobile(stack.mobileUrl, 'MyOrders', {}, { token: accessToken });
    const web = await new WebClient(stack.webUrl).send('Viewer', {}, { cookie: `sf_session=${accessToken}` });
    return {
      gateway: gateway.status === 200 && gateway.body.data?.me?.id === ada.id,
      mobile: mobile.status === 200 && mobile.body.errors === undefined,
      web: web.status === 200 && web.body.data?.viewer?.id === ada.id,
      refusals: [gateway, mobile, web].map((response) => `${response.status} ${response.body.errors?.[0]?.extensions?.code}`),
    };
  };

  it('gateway, bff-mobile and bff-web answer UNAUTHENTICATED (401) for them once the reuse is detected', async () => {
    const first = await logIn();
    const second = (await refresh(first.refreshToken)).session as Tokens;
    const other = await logIn();
    // Both generations of the session work, on every tier (and the check's "not revoked" is now cached).
    for (const token of [first.accessToken, second.accessToken])
      expect(await accepted(token)).toMatchObject({ gateway: true, mobile: true, web: true });

    expect((await refresh(first.refreshToken)).userErrors).toEqual([{ code: 'REFRESH_TOKEN_REUSED' }]);

    for (const token of [first.accessToken, second.accessToken]) {
      await until(async () => {
        const { refusals } = await accepted(token);
        return refusals.every((refusal) => refusal === '401 UNAUTHENTICATED');
      }, CACHE_MS + 4_000);
    }
    // Another sign-in of the same user is another session: untouched.
    expect(await accepted(other.accessToken)).toMatchObject({ gateway: true, mobile: true, web: true });
  });

  it('logging out revokes the access tokens of that session too', async () => {
    const session = await logIn();
    expect(await accepted(session.accessToken)).toMatchObject({ gateway: true, mobile: true, web: true });
    const out = await graphql(stack.gatewayUrl, 'mutation ($refreshToken: String!) { logOut(refreshToken: $refreshToken) }', {
      refreshToken: session.refreshToken,
    });
    expect(out.body.data?.logOut).toBe(true);
    await until(
      async () => (await accepted(session.accessToken)).refusals.every((refusal) => refusal === '401 UNAUTHENTICATED'),
      CACHE_MS + 4_000,
    );
  });
});
