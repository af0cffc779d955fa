/**
 * The shapes the mobile BFF reads from the gateway, as GraphQL Code Generator types them from
 * src/gateway.graphql against the supergraph (the mappers of the generated resolver types).
 */
import type { ReadMyOrdersQuery, ReadProductsQuery } from './generated/gateway.js';

export * from './generated/gateway.js';

export type {
  CategoryFieldsFragment as GatewayCategory,
  MoneyFieldsFragment as GatewayMoney,
  OrderSummaryFieldsFragment as GatewayOrderSummary,
  ProductFieldsFragment as GatewayProduct,
  ProductTileFieldsFragment as GatewayProductTile,
  SessionFieldsFragment as GatewaySession,
  UserErrorFieldsFragment as GatewayUserError,
  UserFieldsFragment as GatewayUser,
} from './generated/gateway.js';

export type GatewayProductPage = ReadProductsQuery['products'];
export type GatewayOrderPage = NonNullable<ReadMyOrdersQuery['me']>['orders'];

/** The home screen's parent value: each of its fields reads its own part, in one batch. */
export type HomeScreen = Record<string, never>;
