import { randomUUID } from 'node:crypto';
import type { Viewer } from '@storefront/auth';
import { after as afterCursor, decodeCursor, pageSize, toConnection, type Connection } from '@storefront/subgraph-server';
import { forbidden, isUuid, notFound, unauthenticated } from '@storefront/resolver-kit';
import type { CallerHeaders, CatalogClient } from './catalog-client.js';
import type { Order, OrderStatus, Prisma, PrismaClient } from './generated/prisma/client.js';
import { failure, type Failure, type UserErrorData } from '@storefront/user-errors';
import { normalizeLines, requestHash, validatePlaceOrder, type OrderLine } from './lines.js';
import type { Loaders } from './loaders.js';
import { outboxEvent } from './outbox.js';

export type OrderResult = { ok: true; order: Order } | Failure;

export interface PageArgs {
  first: number | null | undefined;
  after: string | null | undefined;
}

export const CANCEL_REASON = 'Cancelled by the buyer.';
const CANCELLABLE: OrderStatus[] = ['PENDING', 'CONFIRMED'];
const MAX_INT = 2_147_483_647;
const USER_ORDERS_PAGE = 10;
const ALL_ORDERS_PAGE = 20;

function isAdmin(viewer: Viewer): boolean {
  return viewer.role === 'ADMIN';
}

function mayAccess(viewer: Viewer, order: Pick<Order, 'buyerId'>): boolean {
  return isAdmin(viewer) || order.buyerId === viewer.id;
}

function cursorOf(order: Order) {
  return { at: order.placedAt, id: order.id };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2002';
}

/**
 * Orders and their rules: who sees which order, placing one at the catalog's prices with
 * idempotency, and cancelling. An order belongs to its buyer; admins see and cancel all.
 */
export class OrdersService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalog: CatalogClient,
    /** The stream this domain's events go to (`orderEvents.stream(prefix)`). */
    private readonly eventStream: string,
  ) {}

  /** One order, for its buyer or an admin. */
  async orderFor(viewer: Viewer | undefined, id: string, loaders: Loaders): Promise<Order> {
    if (!viewer) throw unauthenticated();
    if (!isUuid(id)) throw notFound('Order');
    const order = await loaders.orderById.load(id.toLowerCase());
    if (!order) throw notFound('Order');
    if (!mayAccess(viewer, order)) throw forbidden('You can only see your own orders.');
    return order;
  }

  /** A user's orders, newest first: the user themself or an admin. Batched across users by the loader. */
  async ordersOf(viewer: Viewer | undefined, userId: string, page: PageArgs, loaders: Loaders): Promise<Connection<Order>> {
    if (!viewer) throw unauthenticated();
    if (!isAdmin(viewer) && viewer.id !== userId) throw forbidden("You cannot see another user's orders.");
    const size = pageSize(page.first, USER_ORDERS_PAGE);
    const after = page.after ? decodeCursor(page.after) : undefined;
    if (!isUuid(userId)) return toConnection([], size, 0, cursorOf);
    const { rows, totalCount } = await loaders.ordersByBuyer.load({ buyerId: userId.toLowerCase(), take: size + 1, after });
    return toConnection(rows, size, totalCount, cursorOf);
  }

  /** Every order, newest first, optionally of one status. Admins only. */
  async allOrders(
    viewer: Viewer | undefined,
    page: PageArgs & { status: OrderStatus | null | undefined },
    loaders: Loaders,
  ): Promise<Connection<Order>> {
    if (!viewer) throw unauthenticated();
    if (!isAdmin(viewer)) throw forbidden('Only admins can list every order.');
    const size = pageSize(page.first, ALL_ORDERS_PAGE);
    const after = page.after ? decodeCursor(page.after) : undefined;
    const where: Prisma.OrderWhereInput = page.status ? { status: page.status } : {};
    const [rows, totalCount] = await Promise.all([
      this.prisma.order.findMany({
        where: after ? { AND: [where, afterCursor('placedAt', after) as Prisma.OrderWhereInput] } : where,
        orderBy: [{ placedAt: 'desc' }, { id: 'desc' }],
        take: size + 1,
      }),
      this.prisma.order.count({ where }),
    ]);
    for (const row of rows) loaders.orderById.prime(row.id, row);
    return toConnection(rows, size, totalCount, cursorOf);
  }

  /**
   * Places an order for the viewer at the catalog's current prices, after checking stock.
   * `idempotencyKey` makes retries safe: the same key with the same lines returns the order
   * placed first; with other lines it is refused. The order, its lines and its `OrderPlaced`
   * event are written as PENDING in one transaction; a replay writes nothing.
   */
  async placeOrder(
    viewer: Viewer | undefined,
    input: { items: readonly OrderLine[] },
    idempotencyKey: string,
    caller: CallerHeaders,
  ): Promise<OrderResult> {
    if (!viewer) throw unauthenticated('Sign in to place an order.');
    const invalid = validatePlaceOrder(input.items, idempotencyKey);
    if (invalid.length > 0) return { ok: false, errors: invalid };
    const lines = normalizeLines(input.items);
    const hash = requestHash(lines);
    const buyerId = viewer.id;

    const existing = await this.findByKey(buyerId, idempotencyKey);
    if (existing) return this.replay(existing, hash);

    const products = await this.catalog.products(
      lines.map((line) => line.productId),
      caller,
    );
    const errors: UserErrorData[] = [];
    lines.forEach((line, index) => {
      const product = products.get(line.productId);
      if (!product) {
        errors.push({
          field: `items.${index}.productId`,
          message: `Product ${line.productId} does not exist.`,
          code: 'PRODUCT_NOT_FOUND',
        });
      } else if (line.quantity > product.stockQuantity) {
        errors.push({
          field: `items.${index}.quantity`,
          message: `Product ${line.productId} has only ${product.stockQuantity} in stock.`,
          code: 'OUT_OF_STOCK',
        });
      }
    });
    const currencies = new Set([...products.values()].map((product) => product.price.currency));
    if (currencies.size > 1) {
      errors.push({
        field: 'items',
        message: `Items are priced in different currencies (${[...currencies].sort().join(', ')}); order them separately.`,
        code: 'MIXED_CURRENCIES',
      });
    }
    if (errors.length > 0) return { ok: false, errors };

    const priced = lines.map((line, position) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPriceAmount: products.get(line.productId)!.price.amount,
      position,
    }));
    const totalAmount = priced.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0);
    if (totalAmount > MAX_INT) return failure('ORDER_TOO_LARGE', 'The order total is too large; split it up.', 'items');
    const [currency] = currencies;

    // The id is chosen here so the event can name the order in the same transaction.
    const orderId = randomUUID();
    const placed = outboxEvent(
      this.eventStream,
      'OrderPlaced',
      { orderId, buyerId, lines: priced.map(({ productId, quantity }) => ({ productId, quantity })) },
      caller.requestId,
    );
    try {
      const [order] = await this.prisma.$transaction([
        this.prisma.order.create({
          data: {
            id: orderId,
            buyerId,
            status: 'PENDING',
            totalAmount,
            currency: currency!,
            idempotencyKey,
            requestHash: hash,
            items: { create: priced },
          },
        }),
        this.prisma.outboxEvent.create({ data: placed, select: { id: true } }),
      ]);
      return { ok: true, order };
    } catch (error) {
      // A concurrent request with the same key won the unique (buyer, key) constraint.
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.findByKey(buyerId, idempotencyKey);
      if (!winner) throw error;
      return this.replay(winner, hash);
    }
  }

  /**
   * Cancels an order of the viewer (admins: any order) that has not shipped. Cancelling a
   * cancelled order returns it unchanged. The status change and its `OrderCancelled` event are
   * written in one transaction, only by the request that actually changed the status.
   */
  async cancelOrder(viewer: Viewer | undefined, id: string, requestId?: string): Promise<OrderResult> {
    if (!viewer) throw unauthenticated('Sign in to cancel an order.');
    if (!isUuid(id)) throw notFound('Order');
    const order = await this.prisma.order.findUnique({ where: { id } });
    if (!order) throw notFound('Order');
    if (!mayAccess(viewer, order)) throw forbidden('You can only cancel your own orders.');
    if (order.status === 'CANCELLED') return { ok: true, order };
    if (order.status === 'SHIPPED') return this.shipped();
    // Conditional on a cancellable status, so a concurrent ship (or cancel) is never overwritten.
    const count = await this.prisma.$transaction(async (tx) => {
      const changed = await tx.order.updateMany({
        where: { id: order.id, status: { in: CANCELLABLE } },
        data: { status: 'CANCELLED', cancelReason: CANCEL_REASON },
      });
      if (changed.count > 0) {
        await tx.outboxEvent.create({
          data: outboxEvent(
            this.eventStream,
            'OrderCancelled',
            { orderId: order.id, buyerId: order.buyerId, reason: CANCEL_REASON },
            requestId,
          ),
          select: { id: true },
        });
      }
      return changed.count;
    });
    const current = await this.prisma.order.findUnique({ where: { id: order.id } });
    if (!current) throw notFound('Order');
    if (count === 0 && current.status === 'SHIPPED') return this.shipped();
    return { ok: true, order: current };
  }

  private shipped(): OrderResult {
    return failure('ORDER_SHIPPED', 'This order has shipped and can no longer be cancelled.', 'id');
  }

  private findByKey(buyerId: string, idempotencyKey: string): Promise<Order | null> {
    return this.prisma.order.findUnique({ where: { buyerId_idempotencyKey: { buyerId, idempotencyKey } } });
  }

  private replay(existing: Order, hash: string): OrderResult {
    if (existing.requestHash === hash) return { ok: true, order: existing };
    return failure(
      'IDEMPOTENCY_KEY_REUSED',
      'This idempotencyKey was already used for an order with other items; use a new key for a new order.',
      'idempotencyKey',
    );
  }
}
