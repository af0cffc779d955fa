import { catalogEvents } from '@storefront/catalog-events';
import type { EventHandlers } from '@storefront/events';
import type { OrdersService } from './service.js';

/** The consumer group orders reads the catalog's stream with; its instances share the work. */
export const ORDERS_GROUP = 'orders';

/**
 * The catalog's answers to OrderPlaced: `StockReserved` confirms the order,
 * `StockReservationFailed` cancels it with the catalog's reason, each exactly once (see
 * `OrdersService.applyOnce`).
 */
export function ordersEventHandlers(orders: OrdersService): EventHandlers<typeof catalogEvents> {
  return {
    StockReserved: (event) => {
      const { orderId } = catalogEvents.payloadOf(event, 'StockReserved');
      return orders.confirmReserved(event.id, orderId.toLowerCase(), event.requestId);
    },
    StockReservationFailed: (event) => {
      const { orderId, reason } = catalogEvents.payloadOf(event, 'StockReservationFailed');
      return orders.rejectUnreserved(event.id, orderId.toLowerCase(), reason, event.requestId);
    },
  };
}
