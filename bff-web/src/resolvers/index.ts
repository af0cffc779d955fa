import { DateTime } from '@storefront/resolver-kit';
import type { Resolvers } from '../generated/graphql.js';
import { Money } from './Money.js';
import { Mutation } from './Mutation.js';
import { Product } from './Product.js';
import { Query } from './Query.js';
import { Subscription } from './Subscription.js';
import { Viewer } from './Viewer.js';

export const resolvers: Resolvers = { DateTime, Query, Mutation, Subscription, Money, Product, Viewer };
