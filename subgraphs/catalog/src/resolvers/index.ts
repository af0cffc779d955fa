import type { Resolvers } from '../generated/graphql.js';
import { DateTime } from '@storefront/resolver-kit';
import { Category } from './Category.js';
import { Mutation } from './Mutation.js';
import { Product } from './Product.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { DateTime, Query, Mutation, Category, Product };
