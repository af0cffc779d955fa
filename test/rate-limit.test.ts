// Rate limits against the running stack: request budgets per client type (per user when
// signed in, per address otherwise), counted in Redis, and sign-in attempt limits per account
// and per address. Small budgets, and a distinct client address per case (X-Forwarded-For
// from this host, which TRUST_PROXY=loopback lets name the client), so cases never share a
// bucket. Keys live under the stack's own Redis prefix, dropped when it stops.
import { admin, ada, grace } from '@storefront/users/seed-data';
import { expectLabelled, graphql, testRedisUrl } from '@storefront/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mobileLogIn, postGraphQL, send as sendMobile } from './support/mobile.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';
import { createWebServer } from '@storefront/bff-web/server';
import { loadWebConfig } from '@storefront/bff-web/config';

const WEB = { perIp: 8, perUser: 4 };
const MOBILE = { perIp: 12, perUser: 5 };
const GATEWAY = { perIp: 6 };
const LOGIN = { perAccount: 3, perIp: 5 };

let nextAddress = 1;
/** A client address no other case uses (TEST-NET-3). */
const freshAddress = () => `203.0.113.${nextAddress++}`;
const from = (address: string) => ({ 'x-forwarded-for': address });

interface Refusal {
  status: number;
  headers: Headers;
  body: { errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/** 429, Retry-After, and RATE_LIMITED with the same retryAfter in the body. */
function expectRateLimited(response: Refusal) {
  expect(response.status).toBe(429);
  const error = response.body.errors?.[0];
  expect(error?.extensions?.code).toBe('RATE_LIMITED');
  const retryAfter = error?.extensions?.retryAfter;
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60 * 60).toBe(true);
  expect(response.headers.get('retry-after')).toBe(String(retryAfter));
}

describe('rate limits', () => {
  let stack: Stack;

  beforeAll(async () => {
    const login = { LOGIN_ATTEMPTS_PER_ACCOUNT: String(LOGIN.perAccount), LOGIN_ATTEMPTS_PER_IP: String(LOGIN.perIp) };
    stack = await startStack({
      web: true,
      mobile: true,
      webEnv: {
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_PER_IP: String(WEB.perIp),
        RATE_LIMIT_PER_USER: String(WEB.perUser),
        ...login,
      },
      mobileEnv: {
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_PER_IP: String(MOBILE.perIp),
        RATE_LIMIT_PER_USER: String(MOBILE.perUser),
        ...login,
      },
      gatewayEnv: { RATE_LIMIT_PER_IP: String(GATEWAY.perIp), REDIS_URL: testRedisUrl },
      // The same sign-in limits behind the gateway, on the users service.
      usersEnv: login,
    });
  });
  afterAll(() => stack?.stop());

  describe('requests', () => {
    it('limits anonymous web clients per address, with 429, Retry-After and retryAfter', async () => {
      const address = freshAddress();
      const client = new WebClient(stack.webUrl, from(address));
      for (let i = 0; i < WEB.perIp; i += 1) {
        const response = await client.query('{ __typename }');
        expect(response.status).toBe(200);
      }
      expectRateLimited(await client.query('{ __typename }'));
      // Another address has its own budget.
      expect((await new WebClient(stack.webUrl, from(freshAddress())).query('{ __typename }')).status).toBe(200);
    });

    it('cached answers count too, each request exactly once (web per address, mobile per user)', async () => {
      // Fresh variables per run: the first request is a miss, the rest hits answered from Redis.
      const page = { search: `budget-${Date.now()}`, first: 2 };
      const web = new WebClient(stack.webUrl, from(freshAddress()));
      const webResults = [];
      for (let i = 0; i < WEB.perIp; i += 1) webResults.push(await web.send('CatalogPage', page));
      expect(webResults.map((response) => response.status)).toEqual(Array(WEB.perIp).fill(200));
      expect(webResults.map((response) => response.headers.get('x-cache'))).toEqual([
        'MISS',
        ...Array(WEB.perIp - 1).fill('HIT'),
      ]);
      expectRateLimited(await web.send('CatalogPage', page));

      const session = await mobileLogIn(stack.mobileUrl, admin.email, admin.password);
      const products = { first: 2, search: `budget-${Date.now()}` };
      const mobileResults = [];
      for (let i = 0; i < MOBILE.perUser; i += 1) {
        mobileResults.push(
          await sendMobile(stack.mobileUrl, 'Products', products, { token: session.accessToken, headers: from(freshAddress()) }),
        );
      }
      expect(mobileResults.map((response) => response.status)).toEqual(Array(MOBILE.perUser).fill(200));
      expect(mobileResults.map((response) => response.headers.get('x-cache'))).toEqual([
        'MISS',
        ...Array(MOBILE.perUser - 1).fill('HIT'),
      ]);
      const refused = await sendMobile(stack.mobileUrl, 'Products', products, {
        token: session.accessToken,
        headers: from(freshAddress()),
      });
      expectRateLimited(refused);
    });

    it('ignores X-Forwarded-For from a client the BFF does not trust', async () => {
      // A second web BFF without TRUST_PROXY (and without Redis: counters in process).
      const untrusting = createWebServer({
        config: loadWebConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_URL: stack.gatewayUrl, RATE_LIMIT_PER_IP: '2' }),
      });
      const running = await untrusting.listen(0, '127.0.0.1');
      try {
        // Every request claims a new address; they all count as this host.
        const statuses: number[] = [];
        for (let i = 0; i < 3; i += 1) {
          statuses.push((await new WebClient(running.url, from(freshAddress())).query('{ __typename }')).status);
        }
        expect(statuses).toEqual([200, 200, 429]);
      } finally {
        await untrusting.stop();
      }
    });

    it('limits signed-in web users per user, wherever they call from', async () => {
      const client = new WebClient(stack.webUrl, from(freshAddress()));
      const login = await client.send('LogIn', { email: ada.email, password: ada.password });
      expect(login.body.data?.logIn.userErrors).toEqual([]);
      // Each request from a new address: only the user's own budget can run out.
      for (let i = 0; i < WEB.perUser; i += 1) {
        const response = await client.query('{ __typename }', {}, from(freshAddress()));
        expect(response.status).toBe(200);
      }
      expectRateLimited(await client.query('{ __typename }', {}, from(freshAddress())));
    });

    it('gives web and mobile their own budgets (and counters)', async () => {
      expect(MOBILE.perIp).toBeGreaterThan(WEB.perIp);
      const address = freshAddress();
      const web = new WebClient(stack.webUrl, from(address));
      const mobile = () => postGraphQL(stack.mobileUrl, { query: '{ __typename }' }, { headers: from(address) });
      for (let i = 0; i < WEB.perIp; i += 1) {
        expect((await web.query('{ __typename }')).status).toBe(200);
        expect((await mobile()).status).toBe(200);
      }
      // Same address, same number of requests: web's budget is spent, mobile's is not ...
      expectRateLimited(await web.query('{ __typename }'));
      for (let i = WEB.perIp; i < MOBILE.perIp; i += 1) expect((await mobile()).status).toBe(200);
      // ... until it is, at its own size.
      expectRateLimited(await mobile());
    });

    it('limits signed-in mobile users per user', async () => {
      const session = await mobileLogIn(stack.mobileUrl, grace.email, grace.password);
      for (let i = 0; i < MOBILE.perUser; i += 1) {
        const response = await postGraphQL(
          stack.mobileUrl,
          { query: '{ __typename }' },
          { token: session.accessToken, headers: from(freshAddress()) },
        );
        expect(response.status).toBe(200);
      }
      expectRateLimited(
        await postGraphQL(
          stack.mobileUrl,
          { query: '{ __typename }' },
          { token: session.accessToken, headers: from(freshAddress()) },
        ),
      );
    });

    it('limits the gateway per address, and a BFF passes the gateway refusal on', async () => {
      const address = freshAddress();
      for (let i = 0; i < GATEWAY.perIp; i += 1) {
        expect((await graphql(stack.gatewayUrl, '{ __typename }', {}, { headers: from(address) })).status).toBe(200);
      }
      expectRateLimited(await graphql(stack.gatewayUrl, '{ __typename }', {}, { headers: from(address) }));
      // The web BFF names its client to the gateway (X-Forwarded-For): this client's budget
      // at the gateway is spent, although the BFF's own is not.
      // (A search of its own, so no cached page answers in the gateway's place.)
      const page = { search: `rate-limit-${Date.now()}`, first: 1 };
      expectRateLimited(await new WebClient(stack.webUrl, from(address)).send('CatalogPage', page));
      expect((await new WebClient(stack.webUrl, from(freshAddress())).send('CatalogPage', page)).status).toBe(200);
    });

    it('keeps the counters in Redis under the stack prefix', async () => {
      const redis = new Redis(testRedisUrl);
      try {
        const keys = await redis.keys(`${stack.redisPrefix}rl:*`);
        expect(keys.some((key) => key.includes('web:ip'))).toBe(true);
        expect(keys.some((key) => key.includes('web:user'))).toBe(true);
        expect(keys.some((key) => key.includes('mobile:ip'))).toBe(true);
        expect(keys.some((key) => key.includes('gateway:ip'))).toBe(true);
      } finally {
        redis.disconnect();
      }
    });

    it('counts refusals on /metrics', async () => {
      const metrics = await stack.webMetrics();
      expect(metrics).toMatch(/rate_limited_total\{limiter="web:ip"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/graphql_errors_total\{code="RATE_LIMITED"[^}]*\} [1-9]/);
    });
  });

  describe('sign-in attempts', () => {
    const logIn = (address: string, email: string, password: string) =>
      new WebClient(stack.webUrl, from(address)).send('LogIn', { email, password });
    const failed = (response: Awaited<ReturnType<typeof logIn>>) => {
      expect(response.status).toBe(200);
      expect(response.body.data?.logIn.userErrors.length).toBeGreaterThan(0);
    };

    it('locks an account after too many failures, from any address, right password or not', async () => {
      for (let i = 0; i < LOGIN.perAccount; i += 1) failed(await logIn(freshAddress(), grace.email, 'not-the-password'));
      const refused = await logIn(freshAddress(), grace.email, grace.password);
      expectRateLimited(refused);
      expect(refused.body.errors?.[0]?.message).toMatch(/sign-in attempts/);
      // The email's case and spaces do not make another account.
      expectRateLimited(await logIn(freshAddress(), ` ${grace.email.toUpperCase()} `, grace.password));
    });

    it('counts failures only: a success clears the account', async () => {
      const address = freshAddress();
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < LOGIN.perAccount - 1; i += 1) failed(await logIn(address, ada.email, 'not-the-password'));
        const success = await logIn(address, ada.email, ada.password);
        expect(success.status).toBe(200);
        expect(success.body.data?.logIn.userErrors).toEqual([]);
      }
    });

    it('limits failures per address across accounts (credential stuffing)', async () => {
      const address = freshAddress();
      for (let i = 0; i < LOGIN.perIp; i += 1) failed(await logIn(address, `stuffing-${i}@example.com`, 'password-123'));
      // Even a right password for an untouched account is refused from that address ...
      expectRateLimited(await logIn(address, admin.email, admin.password));
      // ... and works from another.
      expect((await logIn(freshAddress(), admin.email, admin.password)).body.data?.logIn.userErrors).toEqual([]);
    });

    it('counts failed web sign-ups too', async () => {
      const address = freshAddress();
      const client = new WebClient(stack.webUrl, from(address));
      for (let i = 0; i < LOGIN.perIp; i += 1) {
        // Refused sign-ups (a password too short) of distinct emails: only the address adds up.
        const response = await client.send('SignUp', {
          input: { email: `signup-${address}-${i}@example.com`, password: 'short', name: 'Again' },
        });
        expect(response.body.data?.signUp.userErrors.length).toBeGreaterThan(0);
      }
      expectRateLimited(
        await client.send('SignUp', {
          input: { email: `new-${Date.now()}@example.com`, password: 'a-long-password-1', name: 'New' },
        }),
      );
    });

    it('limits mobile sign-ins per account and per address', async () => {
      const attempt = (address: string, email: string, password: string) =>
        sendMobile(stack.mobileUrl, 'LogIn', { email, password }, { headers: from(address) });
      const mobileFailed = async (response: Awaited<ReturnType<typeof attempt>>) => {
        expect(response.status).toBe(200);
        expect(response.body.data?.logIn.error?.code).toBe('INVALID_CREDENTIALS');
      };
      for (let i = 0; i < LOGIN.perAccount; i += 1)
        await mobileFailed(await attempt(freshAddress(), admin.email, 'not-the-password'));
      expectRateLimited(await attempt(freshAddress(), admin.email, admin.password));

      const address = freshAddress();
      for (let i = 0; i < LOGIN.perIp; i += 1)
        await mobileFailed(await attempt(address, `stuffing-m${i}@example.com`, 'x-password'));
      const refused = await attempt(address, ada.email, ada.password);
      expectRateLimited(refused);
      expect(refused.body.errors?.[0]?.message).toMatch(/sign-in attempts/);
    });
  });
  describe('sign-in attempts through the gateway (counted by the users service)', () => {
    const gatewayLogIn = (address: string, email: string, password: string) =>
      graphql(
        stack.gatewayUrl,
        'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } userErrors { code } } }',
        { email, password },
        { headers: from(address) },
      );
    const failed = (response: Awaited<ReturnType<typeof gatewayLogIn>>) => {
      expectLabelled(response.body.errors, JSON.stringify(response.body)).toBeUndefined();
      expect(response.body.data?.logIn.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    };
    const signedIn = (response: Awaited<ReturnType<typeof gatewayLogIn>>) => {
      expectLabelled(response.body.errors, JSON.stringify(response.body)).toBeUndefined();
      expect(response.body.data?.logIn.session.accessToken).toEqual(expect.any(String));
    };
    /** An account of its own per case, so no other case's failures count against it. */
    const newAccount = async (name: string) => {
      const account = { email: `${name}-${Date.now()}@example.com`, password: `${name}-password-1` };
      const created = await graphql(
        stack.gatewayUrl,
        'mutation ($input: SignUpInput!) { signUp(input: $input) { userErrors { code } } }',
        { input: { ...account, name } },
        { headers: from(freshAddress()) },
      );
      expect(created.body.data?.signUp.userErrors).toEqual([]);
      return account;
    };

    it('locks an account after too many failures, from any address, right password or not', async () => {
      const account = await newAccount('gateway-lock');
      for (let i = 0; i < LOGIN.perAccount; i += 1) failed(await gatewayLogIn(freshAddress(), account.email, 'not-the-password'));
      const refused = await gatewayLogIn(freshAddress(), account.email, account.password);
      expectRateLimited(refused);
      expect(refused.body.errors?.[0]?.message).toMatch(/sign-in attempts/);
      expect(refused.body.data?.logIn ?? null).toBeNull();
    });

    it('counts failures only: a success clears the account', async () => {
      const account = await newAccount('gateway-clear');
      const address = freshAddress();
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < LOGIN.perAccount - 1; i += 1) failed(await gatewayLogIn(address, account.email, 'not-the-password'));
        signedIn(await gatewayLogIn(address, account.email, account.password));
      }
    });

    it('limits failures per client address across accounts, by the address the BFF or proxy names', async () => {
      const account = await newAccount('gateway-stuffing');
      const address = freshAddress();
      for (let i = 0; i < LOGIN.perIp; i += 1)
        failed(await gatewayLogIn(address, `gateway-stuffing-${i}@example.com`, 'password-123'));
      expectRateLimited(await gatewayLogIn(address, account.email, account.password));
      signedIn(await gatewayLogIn(freshAddress(), account.email, account.password));
    });

    it("does not lump a BFF's clients together: each is limited by its own address", async () => {
      // More failures through one web BFF than one address may have, each from another client.
      for (let i = 0; i <= LOGIN.perIp; i += 1) {
        const response = await new WebClient(stack.webUrl, from(freshAddress())).send('LogIn', {
          email: `bff-client-${i}@example.com`,
          password: 'password-123',
        });
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data?.logIn.userErrors.length).toBeGreaterThan(0);
      }
      const account = await newAccount('bff-client');
      const response = await new WebClient(stack.webUrl, from(freshAddress())).send('LogIn', account);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.logIn.userErrors).toEqual([]);
    });
  });
});
