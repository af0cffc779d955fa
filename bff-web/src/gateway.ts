/**
 * The shapes the web BFF reads from the gateway, as GraphQL Code Generator types them from
 * src/gateway.graphql against the supergraph (the mappers of the generated resolver types).
 */
import type { ReadCatalogQuery, ReadMyOrdersQuery } from './generated/gateway.js';

export * from './generated/gateway.js';

export type {
  CategoryFieldsFragment as GatewayCategory,
  MoneyFieldsFragment as GatewayMoney,
  OrderFieldsFragment as GatewayOrder,
  ProductFieldsFragment as GatewayProduct,
  ViewerFieldsFragment as GatewayViewer,
} from './generated/gateway.js';

export type GatewayProductConnection = ReadCatalogQuery['products'];
export type GatewayOrderConnection = NonNullable<ReadMyOrdersQuery['me']>['orders'];
export type GatewayOrderItem = GatewayOrderConnection['edges'][number]['node']['items'][number];
