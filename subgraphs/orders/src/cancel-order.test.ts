import { randomUUID } from 'node:crypto';
import { grace } from '@storefront/users/seed-data';
import { orders as seedOrders } from './seed-data.js';
import { errorCodes } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestStack, type TestStack } from '../test/support.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const [ada1, ada2, ada3, grace1] = seedOrders.map((order) => order.id) as [string, string, string, string];

const CANCEL = `mutation Cancel($id: ID!) {
  cancelOrder(id: $id) {
    order { id status cancelReason updatedAt itemCount }
    userErrors { field message code }
  }
}`;

const status = async (id: string) => (await stack.server.prisma.order.findUniqueOrThrow({ where: { id } })).status;

describe('cancelOrder', () => {
  it('requires a signed-in caller', async () => {
    expect(errorCodes(await stack.query(CANCEL, { id: ada3 }))).toEqual(['UNAUTHENTICATED']);
    expect(await status(ada3)).toBe('PENDING');
  });

  it("forbids cancelling another customer's order", async () => {
    expect(errorCodes(await stack.query(CANCEL, { id: ada3 }, 'grace'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await stack.query(CANCEL, { id: grace1 }, 'ada'))).toEqual(['FORBIDDEN']);
    expect(await status(ada3)).toBe('PENDING');
    expect(await status(grace1)).toBe('CONFIRMED');
  });

  it('answers NOT_FOUND for unknown and malformed ids', async () => {
    expect(errorCodes(await stack.query(CANCEL, { id: randomUUID() }, 'ada'))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(CANCEL, { id: 'nope' }, 'admin'))).toEqual(['NOT_FOUND']);
  });

  it('refuses a shipped order', async () => {
    const response = await stack.query(CANCEL, { id: ada1 }, 'ada');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.cancelOrder).toEqual({
      order: null,
      userErrors: [{ field: 'id', message: expect.any(String), code: 'ORDER_SHIPPED' }],
    });
    expect(await status(ada1)).toBe('SHIPPED');
  });

  it("cancels the buyer's pending order, and a second cancel returns it unchanged", async () => {
    const response = await stack.query(CANCEL, { id: ada3 }, 'ada');
    expect(response.body.errors).toBeUndefined();
    const { order, userErrors } = response.body.data!.cancelOrder;
    expect(userErrors).toEqual([]);
    expect(order).toMatchObject({ id: ada3, status: 'CANCELLED', cancelReason: 'Cancelled by the buyer.', itemCount: 1 });
    expect(new Date(order.updatedAt).getTime()).toBeGreaterThan(seedOrders[2]!.placedAt.getTime());

    const again = await stack.query(CANCEL, { id: ada3 }, 'ada');
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data?.cancelOrder).toEqual({ order, userErrors: [] });
  });

  it("lets an admin cancel a customer's confirmed order", async () => {
    const response = await stack.query(CANCEL, { id: ada2 }, 'admin');
    expect(response.body.data?.cancelOrder).toMatchObject({ order: { id: ada2, status: 'CANCELLED' }, userErrors: [] });
    expect(await status(ada2)).toBe('CANCELLED');
  });

  it('cancels once when cancels race, and never overwrites a concurrent shipment', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => stack.query(CANCEL, { id: grace1 }, 'grace')));
    for (const response of responses) {
      expect(response.body.data?.cancelOrder).toMatchObject({ order: { id: grace1, status: 'CANCELLED' }, userErrors: [] });
    }
    const updatedAt = new Set(responses.map((response) => response.body.data?.cancelOrder.order.updatedAt));
    expect(updatedAt.size).toBe(1);
    expect((await stack.server.prisma.order.findUniqueOrThrow({ where: { id: grace1 } })).cancelReason).toBe(
      'Cancelled by the buyer.',
    );
  });

  it('refuses an order that shipped after it was placed', async () => {
    const placed = await stack.query(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "cancel-ship-1") { order { id } userErrors { code } } }`,
      { input: { items: [{ productId: seedOrders[3]!.lines[0]!.productId, quantity: 1 }] } },
      'grace',
    );
    const id = placed.body.data?.placeOrder.order.id as string;
    await stack.server.prisma.order.update({ where: { id }, data: { status: 'SHIPPED' } });
    const response = await stack.query(CANCEL, { id }, 'grace');
    expect(response.body.data?.cancelOrder.userErrors.map((error: { code: string }) => error.code)).toEqual(['ORDER_SHIPPED']);
    expect(await status(id)).toBe('SHIPPED');
    expect((await stack.server.prisma.order.findUniqueOrThrow({ where: { id } })).buyerId).toBe(grace.id);
  });
});
