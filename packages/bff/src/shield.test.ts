import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql, GraphQLError } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, authorization, isSignedIn } from './shield.js';

const typeDefs = /* GraphQL */ `
  type Query {
    shelf: Shelf!
    secret: String
    unlisted: String
    broken: String
  }
  type Shelf {
    name: String!
    owner: String
    note: String
  }
`;

const resolvers = {
  Query: {
    shelf: () => ({ name: 'books', owner: 'ada', note: 'hidden' }),
    secret: () => 'for members',
    unlisted: () => 'nobody decided',
    broken: () => {
      throw new GraphQLError('Not found.', { extensions: { code: 'NOT_FOUND' } });
    },
  },
};

// Fields left to their own resolvers (`allow`) sit beside fields shield still checks, at the root and in a type.
const schema = applyMiddleware(
  makeExecutableSchema({ typeDefs, resolvers }),
  authorization({
    Query: { shelf: allow, secret: isSignedIn, broken: allow },
    Shelf: { '*': allow, owner: isSignedIn },
  }),
);

const run = (viewer?: { id: string; role: 'CUSTOMER' }) =>
  graphql({ schema, source: '{ shelf { name owner note } secret unlisted broken }', contextValue: { viewer } });

/** Each error's code by its path (errors of sync and async fields arrive in different orders). */
const errorCodes = (result: Awaited<ReturnType<typeof run>>) =>
  Object.fromEntries((result.errors ?? []).map((error) => [error.path?.join('.'), error.extensions.code]));

describe('authorization', () => {
  it('answers allowed fields, refuses signed-in fields to nobody and unlisted fields to everyone', async () => {
    const result = await run();
    expect(result.data).toEqual({
      shelf: { name: 'books', owner: null, note: 'hidden' },
      secret: null,
      unlisted: null,
      broken: null,
    });
    expect(errorCodes(result)).toEqual({
      'shelf.owner': 'UNAUTHENTICATED',
      secret: 'UNAUTHENTICATED',
      unlisted: 'FORBIDDEN',
      broken: 'NOT_FOUND',
    });
  });

  it('answers signed-in fields to a signed-in caller, and still refuses unlisted ones', async () => {
    const result = await run({ id: 'u1', role: 'CUSTOMER' });
    expect(result.data).toEqual({
      shelf: { name: 'books', owner: 'ada', note: 'hidden' },
      secret: 'for members',
      unlisted: null,
      broken: null,
    });
    expect(errorCodes(result)).toEqual({ unlisted: 'FORBIDDEN', broken: 'NOT_FOUND' });
  });
});
