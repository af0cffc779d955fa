import DataLoader from 'dataloader';
import type { CallerIdentity, GatewayClient } from './gateway-client.js';
import { clientErrorFor, isPassedThrough } from './gateway-client.js';
import { splitBatchResult } from './split-batch-result.js';
import { unauthenticatedError } from './shield.js';
import type { Logger } from 'pino';
import { measuredBatch, type ServiceMetrics } from '@storefront/http-server';

/** One root field of the supergraph, with its arguments typed for the operation's variables. */
export interface RootField {
  /** e.g. `products` */
  field: string;
  /** Argument name → [GraphQL type, value], e.g. `{ first: ['Int', 24] }`. */
  args?: Record<string, readonly [type: string, value: unknown]>;
  /** The selection set, without braces, e.g. `id name`. Omit for a scalar field. */
  selection?: string;
  /** Variables used inside `selection` as `$name`, e.g. `{ first: ['Int', 4] }` for `related(first: $first)`. */
  variables?: Record<string, readonly [type: string, value: unknown]>;
}

/** Most root fields one batched gateway operation carries; more are split into several calls. */
export const GATEWAY_BATCH_SIZE = 50;

/**
 * Per-request batching of gateway reads: every root field requested in the same tick of the
 * event loop (by any resolver) is sent as one gateway operation with aliased fields, so a
 * page costs a small, fixed number of gateway calls whatever the number of resolvers asking.
 */
export function createGatewayBatch(
  gateway: GatewayClient,
  caller: () => CallerIdentity,
  logger: Logger,
  /** `dataloader_batch_size{loader="gateway"}`: root fields per gateway operation. */
  batchSizes?: ServiceMetrics['dataloaderBatchSize'],
) {
  return new DataLoader<RootField, unknown>(
    measuredBatch(batchSizes, 'gateway', async (fields: readonly RootField[]) => {
      const variables: Record<string, unknown> = {};
      const definitions: string[] = [];
      const selections = fields.map((request, index) => {
        const args = Object.entries(request.args ?? {}).map(([name, [type, value]]) => {
          const variable = `v${index}_${name}`;
          variables[variable] = value;
          definitions.push(`$${variable}: ${type}`);
          return `${name}: $${variable}`;
        });
        let selectionText = request.selection ?? '';
        for (const [name, [type, value]] of Object.entries(request.variables ?? {})) {
          const variable = `v${index}_s_${name}`;
          variables[variable] = value;
          definitions.push(`$${variable}: ${type}`);
          selectionText = selectionText.replace(new RegExp(`\\$${name}\\b`, 'g'), `$${variable}`);
        }
        const argumentList = args.length > 0 ? `(${args.join(', ')})` : '';
        const selection = selectionText ? ` { ${selectionText} }` : '';
        return `f${index}: ${request.field}${argumentList}${selection}`;
      });
      const variableList = definitions.length > 0 ? `(${definitions.join(', ')})` : '';
      const name = `Bff_${[...new Set(fields.map((request) => request.field))].join('_')}`;
      const identity = caller();
      const result = await gateway.execute<Record<string, unknown>>(
        name,
        `query ${name}${variableList} { ${selections.join(' ')} }`,
        variables,
        identity,
      );
      const failures = result.errors.filter((error) => !isPassedThrough(error));
      // An outage under a long list is one error per entity and field: the count and the first say it.
      if (failures.length > 0) logger.warn({ requestId: identity.requestId, gatewayErrors: failures.length, gatewayError: failures[0] }, 'gateway answered with errors');
      return splitBatchResult(
        result,
        fields.map((_request, index) => `f${index}`),
        clientErrorFor,
      );
    }),
    // Same field asked twice in one tick is one alias; results are not kept across ticks, so
    // a mutation's effect is always read fresh. At most GATEWAY_BATCH_SIZE root fields per
    // gateway operation, so a BFF request within its own limits stays within the gateway's
    // (MAX_ALIASES, MAX_ROOT_FIELDS, MAX_TOKENS there).
    { cache: false, maxBatchSize: GATEWAY_BATCH_SIZE },
  );
}

export type GatewayBatch = ReturnType<typeof createGatewayBatch>;

/**
 * `me` read for a caller whose token verified: null there means the account is gone (an
 * outage is an error, never a null), so the caller must sign in again, never see an empty list.
 */
export function signedInAccount<Me>(me: Me | null): Me {
  if (me === null) throw unauthenticatedError('Your account no longer exists. Please sign in again.');
  return me;
}

/**
 * Reads one root field through the batch, typed by the caller. A failure is a rejection; a
 * value the gateway could not fill inside it is an Error in its place (see splitBatchResult).
 */
export async function readRoot<Data>(batch: GatewayBatch, field: RootField): Promise<Data> {
  return (await batch.load(field)) as Data;
}
