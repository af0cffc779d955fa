import type { GraphQLError } from 'graphql';
import type { GatewayError, GatewayResult } from './gateway-client.js';

/**
 * One batched gateway answer shared out to the root fields it carried (by alias, in order):
 * each field gets its value, or the error that stands for it when it has none.
 *
 * An upstream failure is never handed on as data. An error under a field that still has a
 * value (partial data: an entity whose fields another subgraph could not fill) takes the place
 * of the null it caused: graphql-js reports a field whose value is an Error as that field's
 * error, so the client sees it exactly where the data is missing, and only if it asked for
 * that part. An error that names no field of the batch, or one that cannot be placed, fails
 * every field it may concern, and a field the answer lacks altogether (the gateway nulled the
 * whole data for another field's failure) fails with the first error: better no answer than
 * one that hides a gap.
 */
export function splitBatchResult(
  result: GatewayResult<Record<string, unknown>>,
  aliases: readonly string[],
  toClientError: (error: GatewayError) => GraphQLError,
): unknown[] {
  const values: unknown[] = aliases.map((alias) => result.data?.[alias] ?? null);
  const failed: Array<GraphQLError | undefined> = aliases.map(() => undefined);
  const indexOf = new Map(aliases.map((alias, index) => [alias, index]));
  for (const error of result.errors) {
    const index = error.path?.length ? indexOf.get(String(error.path[0])) : undefined;
    if (index === undefined) {
      // Pathless, or outside the batch: any field may be missing data because of it.
      for (const [other, value] of failed.entries()) failed[other] = value ?? toClientError(error);
      continue;
    }
    if (failed[index]) continue;
    if (
      values[index] === null ||
      !placeAtGap(values[index], error.path!.slice(1), () => new UnfilledValue(toClientError(error)))
    ) {
      failed[index] = toClientError(error);
    }
  }
  const [first] = result.errors;
  return values.map((value, index) => {
    const lacking = result.data?.[aliases[index]!] === undefined;
    return failed[index] ?? (lacking && first ? toClientError(first) : value);
  });
}

/**
 * Stands where the gateway could not fill a value: a plain Error (hashable by graphql-shield's
 * strict rule cache, unlike a GraphQLError) that graphql-js turns into the field's error,
 * keeping the client error's message and extensions.
 */
export class UnfilledValue extends Error {
  readonly extensions: GraphQLError['extensions'];

  constructor(error: GraphQLError) {
    super(error.message);
    this.name = 'UnfilledValue';
    this.extensions = error.extensions;
  }
}

/**
 * Puts the error in place of the first null (or missing value) along `path` inside `value`;
 * false when the path ends on data that is there, or leads nowhere.
 */
function placeAtGap(value: unknown, path: ReadonlyArray<string | number>, error: () => UnfilledValue): boolean {
  let container = value;
  for (const key of path) {
    if (container instanceof Error) return true; // already reported here
    if (typeof container !== 'object' || container === null) return false;
    const next = (container as Record<string | number, unknown>)[key];
    if (next === null || next === undefined) {
      (container as Record<string | number, unknown>)[key] = error();
      return true;
    }
    container = next;
  }
  return container instanceof Error;
}
