import { ada, admin, grace } from '@storefront/users/seed-data';
import { errorCodes, graphql } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';

const SIGN_UP = /* GraphQL */ `
  mutation ($input: SignUpInput!) {
    signUp(input: $input) {
      user {
        id
        email
        name
        role
      }
      session {
        accessToken
        refreshToken
        expiresIn
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;
const LOG_IN = /* GraphQL */ `
  mutation ($email: String!, $password: String!) {
    logIn(email: $email, password: $password) {
      user {
        id
        email
        role
      }
      session {
        accessToken
        refreshToken
        expiresIn
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;
const REFRESH = /* GraphQL */ `
  mutation ($token: String!) {
    refreshSession(refreshToken: $token) {
      session {
        accessToken
        refreshToken
      }
      userErrors {
        field
        code
      }
    }
  }
`;
const LOG_OUT = 'mutation ($token: String!) { logOut(refreshToken: $token) }';

describe('users through the gateway', () => {
  let stack: Stack;
  let url: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startStack();
    url = stack.gatewayUrl;
    for (const user of [ada, grace, admin]) tokens[user.email] = await logIn(url, user.email, user.password);
  });
  afterAll(() => stack?.stop());

  describe('signUp', () => {
    it('creates a customer, signs them in, and normalizes the email', async () => {
      const response = await graphql(url, SIGN_UP, {
        input: { email: '  New.Person@Example.com ', password: 'long-enough-pw', name: ' New Person ' },
      });
      const { user, session, userErrors } = response.body.data!.signUp;
      expect(userErrors).toEqual([]);
      expect(user).toMatchObject({ email: 'new.person@example.com', name: 'New Person', role: 'CUSTOMER' });
      expect(session.expiresIn).toBeGreaterThan(0);
      const me = await graphql(url, '{ me { id email } }', {}, { token: session.accessToken });
      expect(me.body.data!.me).toEqual({ id: user.id, email: 'new.person@example.com' });
    });

    it('refuses an email that exists in any letter case', async () => {
      const response = await graphql(url, SIGN_UP, {
        input: { email: 'ADA@example.COM', password: 'another-password', name: 'Impostor' },
      });
      expect(response.body.data!.signUp.userErrors).toEqual([
        { field: 'email', code: 'EMAIL_TAKEN', message: 'An account with this email already exists.' },
      ]);
      expect(response.body.data!.signUp.session).toBeNull();
    });

    it('reports every invalid field at once', async () => {
      const response = await graphql(url, SIGN_UP, { input: { email: 'not-an-email', password: 'short', name: '   ' } });
      const errors = response.body.data!.signUp.userErrors;
      expect(errors.map((error: any) => [error.field, error.code])).toEqual([
        ['email', 'INVALID_EMAIL'],
        ['password', 'WEAK_PASSWORD'],
        ['name', 'INVALID_NAME'],
      ]);
    });

    it('rejects a missing input field as a GraphQL validation error', async () => {
      const response = await graphql(url, SIGN_UP, { input: { email: 'x@example.com', password: 'long-enough-pw' } });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('logIn', () => {
    it('gives the same answer for a wrong password and an unknown email', async () => {
      const wrongPassword = await graphql(url, LOG_IN, { email: ada.email, password: 'not-her-password' });
      const unknownEmail = await graphql(url, LOG_IN, { email: 'nobody@example.com', password: 'whatever-123' });
      for (const response of [wrongPassword, unknownEmail]) {
        expect(response.body.data!.logIn).toEqual({
          user: null,
          session: null,
          userErrors: [{ field: null, code: 'INVALID_CREDENTIALS', message: 'Email or password is incorrect.' }],
        });
      }
    });

    it('returns the signed-in user with their email', async () => {
      const response = await graphql(url, LOG_IN, { email: grace.email, password: grace.password });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.logIn.user).toEqual({ id: grace.id, email: grace.email, role: 'CUSTOMER' });
    });
  });

  describe('sessions', () => {
    it('rotates the refresh token, and reuse of a spent one ends the whole session', async () => {
      const first = (await graphql(url, LOG_IN, { email: grace.email, password: grace.password })).body.data!.logIn.session;
      const second = (await graphql(url, REFRESH, { token: first.refreshToken })).body.data!.refreshSession;
      expect(second.userErrors).toEqual([]);
      expect(second.session.refreshToken).not.toBe(first.refreshToken);

      const reused = (await graphql(url, REFRESH, { token: first.refreshToken })).body.data!.refreshSession;
      expect(reused).toEqual({ session: null, userErrors: [{ field: 'refreshToken', code: 'REFRESH_TOKEN_REUSED' }] });
      // The thief's reuse also ended the legitimate holder's newer token.
      const afterTheft = (await graphql(url, REFRESH, { token: second.session.refreshToken })).body.data!.refreshSession;
      expect(afterTheft.userErrors).toEqual([{ field: 'refreshToken', code: 'INVALID_REFRESH_TOKEN' }]);
    });

    it('lets one of two concurrent refreshes with the same token win', async () => {
      const session = (await graphql(url, LOG_IN, { email: ada.email, password: ada.password })).body.data!.logIn.session;
      const results = await Promise.all([1, 2].map(() => graphql(url, REFRESH, { token: session.refreshToken })));
      const succeeded = results.filter((result) => result.body.data!.refreshSession.session !== null);
      expect(succeeded.length).toBeLessThanOrEqual(1);
    });

    it('logOut revokes the refresh token', async () => {
      const session = (await graphql(url, LOG_IN, { email: ada.email, password: ada.password })).body.data!.logIn.session;
      expect((await graphql(url, LOG_OUT, { token: session.refreshToken })).body.data!.logOut).toBe(true);
      const refreshed = (await graphql(url, REFRESH, { token: session.refreshToken })).body.data!.refreshSession;
      expect(refreshed.userErrors).toEqual([{ field: 'refreshToken', code: 'INVALID_REFRESH_TOKEN' }]);
      expect((await graphql(url, LOG_OUT, { token: 'never-issued' })).body.data!.logOut).toBe(false);
    });

    it('refuses an unknown refresh token', async () => {
      const refreshed = (await graphql(url, REFRESH, { token: 'made-up-token' })).body.data!.refreshSession;
      expect(refreshed).toEqual({ session: null, userErrors: [{ field: 'refreshToken', code: 'INVALID_REFRESH_TOKEN' }] });
    });
  });

  describe('who may read whom', () => {
    const USER = 'query ($id: ID!) { user(id: $id) { id name email role } }';

    it('me is null when anonymous', async () => {
      const response = await graphql(url, '{ me { id } }');
      expect(response.body).toEqual({ data: { me: null } });
    });

    it('a customer reads themself but not another customer', async () => {
      const own = await graphql(url, USER, { id: ada.id }, { token: tokens[ada.email] });
      expect(own.body.data!.user).toEqual({ id: ada.id, name: ada.name, email: ada.email, role: 'CUSTOMER' });
      const other = await graphql(url, USER, { id: grace.id }, { token: tokens[ada.email] });
      expect(other.body.data!.user).toBeNull();
      expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    });

    it('an admin reads anyone, and gets NOT_FOUND for an unknown id', async () => {
      const response = await graphql(url, USER, { id: grace.id }, { token: tokens[admin.email] });
      expect(response.body.data!.user.email).toBe(grace.email);
      const missing = await graphql(url, USER, { id: '00000000-0000-4000-8000-000000000000' }, { token: tokens[admin.email] });
      expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
      const malformed = await graphql(url, USER, { id: 'not-a-uuid' }, { token: tokens[admin.email] });
      expect(errorCodes(malformed)).toEqual(['NOT_FOUND']);
    });

    it('anonymous callers must sign in to use user(id)', async () => {
      const response = await graphql(url, USER, { id: ada.id });
      expect(response.body.data!.user).toBeNull();
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    });
  });
});
