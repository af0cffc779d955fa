import type { OrderItem } from './generated/prisma/client.js';

/**
 * Entities of other subgraphs as this one knows them: by id only. Resolvers return these
 * references and the gateway fetches the rest from the owning subgraph.
 * @public Mapped in codegen.json, used by the generated resolver types.
 */
export interface UserRef {
  __typename?: 'User';
  id: string;
}

/**
 * An order line as resolvers see it: the stored row with its order's currency.
 * @public Mapped in codegen.json, used by the generated resolver types.
 */
export type PricedOrderItem = OrderItem & { currency: string };
