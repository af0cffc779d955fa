import type { EventHandlers } from '@storefront/events';
import type { orderEvents } from '@storefront/orders-events';
import type { PrismaClient } from './generated/prisma/client.js';
import { StockReservations } from './reservations.js';

/** The consumer group of every catalog instance on the orders stream: they share its events. */
export const CATALOG_GROUP = 'catalog';

/** What the catalog does with order events: reserve stock for placed orders, release it for cancelled ones. */
export function catalogEventHandlers(prisma: PrismaClient, catalogStream: string): EventHandlers<typeof orderEvents> {
  const reservations = new StockReservations(prisma, catalogStream);
  return {
    OrderPlaced: (event) => reservations.orderPlaced(event),
    OrderCancelled: (event) => reservations.orderCancelled(event),
  };
}
