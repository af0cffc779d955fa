import { DateTime } from '@storefront/resolver-kit';
import type { Resolvers } from '../generated/graphql.js';
import { Mutation } from './Mutation.js';
import { Order } from './Order.js';
import { OrderItem } from './OrderItem.js';
import { Query } from './Query.js';
import { User } from './User.js';

export const resolvers: Resolvers = { DateTime, Query, Mutation, Order, OrderItem, User };
