import { DateTime } from '@storefront/resolver-kit';
import type { Resolvers } from '../generated/graphql.js';
import { Home } from './Home.js';
import { Mutation } from './Mutation.js';
import { OrderSummary } from './OrderSummary.js';
import { Product } from './Product.js';
import { ProductTile } from './ProductTile.js';
import { Query } from './Query.js';
import { Subscription } from './Subscription.js';

export const resolvers: Resolvers = { DateTime, Query, Mutation, Subscription, Home, Product, ProductTile, OrderSummary };
