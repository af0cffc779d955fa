import { GraphQLError } from 'graphql';
import { describe, expect, it } from '@jest/globals';
import type { GatewayError } from './gateway-client.js';
import { splitBatchResult, UnfilledValue } from './split-batch-result.js';

const unavailable = (path?: Array<string | number>): GatewayError => ({
  message: 'The catalog service is unavailable.',
  ...(path ? { path } : {}),
  extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
});
const toClientError = (error: GatewayError) =>
  new GraphQLError('unavailable', { extensions: { code: 'SERVICE_UNAVAILABLE', from: error.path ?? null } });
const codeOf = (value: unknown) =>
  value instanceof GraphQLError || value instanceof UnfilledValue ? value.extensions.code : value;

describe('splitBatchResult', () => {
  it('gives each field its value, and a field the gateway could not fill its error', () => {
    const [me, product] = splitBatchResult(
      { data: { f0: { name: 'Ada' }, f1: null }, errors: [unavailable(['f1'])] },
      ['f0', 'f1'],
      toClientError,
    );
    expect(me).toEqual({ name: 'Ada' });
    expect(codeOf(product)).toBe('SERVICE_UNAVAILABLE');
  });

  it('keeps a genuine null (nothing found) as null', () => {
    expect(splitBatchResult({ data: { f0: null }, errors: [] }, ['f0'], toClientError)).toEqual([null]);
  });

  it('puts an error under a field with data in place of the null it caused, once', () => {
    const order = {
      status: 'CONFIRMED',
      items: [
        { quantity: 1, product: null },
        { quantity: 2, product: null },
      ],
    };
    const [value] = splitBatchResult(
      {
        data: { f0: order },
        errors: [
          unavailable(['f0', 'items', 0, 'product', 'name']),
          unavailable(['f0', 'items', 0, 'product', 'price']),
          unavailable(['f0', 'items', 1, 'product', 'name']),
        ],
      },
      ['f0'],
      toClientError,
    );
    expect(value).toBe(order);
    expect(order.items.map((item) => codeOf(item.product))).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
    expect((order.items[0]!.product as unknown as UnfilledValue).extensions.from).toEqual(['f0', 'items', 0, 'product', 'name']);
  });

  it('fails the field when an error points at data that is there', () => {
    const [value] = splitBatchResult(
      { data: { f0: { name: 'Ada' } }, errors: [unavailable(['f0', 'name'])] },
      ['f0'],
      toClientError,
    );
    expect(codeOf(value)).toBe('SERVICE_UNAVAILABLE');
  });

  it('fails every field for an error without a path, whatever data came with it', () => {
    const values = splitBatchResult(
      { data: { f0: { name: 'Ada' }, f1: null }, errors: [unavailable()] },
      ['f0', 'f1'],
      toClientError,
    );
    expect(values.map(codeOf)).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
  });

  it('fails a field the answer lacks (data nulled for another field) with the cause', () => {
    const values = splitBatchResult({ data: null, errors: [unavailable(['f0'])] }, ['f0', 'f1'], toClientError);
    expect(values.map(codeOf)).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
  });
});
