import { catalogEvents } from '@storefront/catalog-events';
import type { EventHandlers } from '@storefront/events';
import type { Prisma, PrismaClient } from './generated/prisma/client.js';
import { outboxEvent } from './outbox.js';

/** The consumer group orders reads the catalog's stream with; its instances share the work. */
export const ORDERS_GROUP = 'orders';

/**
 * What applying a consumed event did: `applied` changed the order, `duplicate` was seen before
 * (redelivered), `skipped` found nothing to change (unknown order, or no longer PENDING).
 */
export type EventOutcome = 'applied' | 'duplicate' | 'skipped';

/** Shown when the catalog's reservation failure carries no reason of its own. */
const REJECTED_REASON = 'Sorry, we could not reserve the items of this order.';

/**
 * What the catalog's answer to `OrderPlaced` does to the order, each event applied exactly
 * once: a redelivered event (relay or consumer crash, retry) changes nothing the second time.
 */
export class ReservationOutcomes {
  constructor(
    private readonly prisma: PrismaClient,
    /** The stream this domain's events go to (`orderEvents.stream(prefix)`). */
    private readonly eventStream: string,
  ) {}

  /**
   * The catalog reserved every line of the order (`StockReserved` event `eventId`): a PENDING
   * order becomes CONFIRMED and `OrderConfirmed` is emitted. An order that is no longer
   * PENDING (the buyer cancelled it meanwhile) is left as it is.
   */
  confirmReserved(eventId: string, orderId: string, requestId?: string): Promise<EventOutcome> {
    return this.settlePending(eventId, orderId, { status: 'CONFIRMED' }, (order) =>
      outboxEvent(this.eventStream, 'OrderConfirmed', order, requestId),
    );
  }

  /**
   * The catalog could not reserve the order (`StockReservationFailed` event `eventId`): a
   * PENDING order becomes CANCELLED with `reason` for the buyer, and `OrderRejected` is emitted.
   */
  rejectUnreserved(eventId: string, orderId: string, reason: string, requestId?: string): Promise<EventOutcome> {
    const cancelReason = reason.trim() || REJECTED_REASON;
    return this.settlePending(eventId, orderId, { status: 'CANCELLED', cancelReason }, (order) =>
      outboxEvent(this.eventStream, 'OrderRejected', { ...order, reason: cancelReason }, requestId),
    );
  }

  /**
   * Moves a PENDING order on with the event that says so, in one transaction with recording
   * `eventId` as processed, unless it already was; a failure leaves it unrecorded for the next
   * delivery.
   */
  private settlePending(
    eventId: string,
    orderId: string,
    change: Prisma.OrderUpdateManyMutationInput,
    eventOf: (order: { orderId: string; buyerId: string }) => Prisma.OutboxEventCreateInput,
  ): Promise<EventOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.processedEvent.createMany({ data: [{ id: eventId }], skipDuplicates: true });
      if (count === 0) return 'duplicate';
      const [order] = await tx.order.updateManyAndReturn({
        where: { id: orderId, status: 'PENDING' },
        data: change,
        select: { id: true, buyerId: true },
      });
      if (!order) return 'skipped';
      await tx.outboxEvent.create({ data: eventOf({ orderId: order.id, buyerId: order.buyerId }), select: { id: true } });
      return 'applied';
    });
  }
}

/** The catalog's answers to OrderPlaced: `StockReserved` confirms the order, `StockReservationFailed` cancels it with the catalog's reason. */
export function ordersEventHandlers(outcomes: ReservationOutcomes): EventHandlers<typeof catalogEvents> {
  return {
    StockReserved: (event) => {
      const { orderId } = catalogEvents.payloadOf(event, 'StockReserved');
      return outcomes.confirmReserved(event.id, orderId.toLowerCase(), event.requestId);
    },
    StockReservationFailed: (event) => {
      const { orderId, reason } = catalogEvents.payloadOf(event, 'StockReservationFailed');
      return outcomes.rejectUnreserved(event.id, orderId.toLowerCase(), reason, event.requestId);
    },
  };
}
