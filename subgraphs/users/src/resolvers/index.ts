import type { Resolvers } from '../generated/graphql.js';
import { DateTime } from '@storefront/resolver-kit';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';
import { User } from './User.js';

export const resolvers: Resolvers = { DateTime, Query, Mutation, User };
