import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import DataLoader from 'dataloader';
import {
  Kind,
  OperationTypeNode,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { CallerIdentity, GatewayClient } from './gateway-client.js';
import { clientErrorFor, isPassedThrough } from './gateway-client.js';
import { splitBatchResult } from './split-batch-result.js';
import { unauthenticatedError } from './shield.js';
import type { Logger } from 'pino';
import { measuredBatch, type ServiceMetrics } from '@storefront/http-server';

/**
 * One read of a root field: a typed gateway document whose operation selects exactly one root
 * field (the BFF's `Read*` queries, see its src/gateway.graphql), and its variables.
 */
export interface RootRead {
  document: DocumentNode;
  variables?: Record<string, unknown> | undefined;
}

/** A read's document taken apart once: its root field, its variable definitions, the fragments it spreads. */
interface ReadShape {
  field: FieldNode;
  variableDefinitions: readonly VariableDefinitionNode[];
  fragments: readonly FragmentDefinitionNode[];
}

/** Documents are module constants (generated): each is taken apart once. */
const shapes = new WeakMap<DocumentNode, ReadShape>();

function shapeOf(document: DocumentNode): ReadShape {
  let shape = shapes.get(document);
  if (shape) return shape;
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const [operation] = operations;
  const [field] = operation?.selectionSet.selections ?? [];
  if (
    operations.length !== 1 ||
    operation!.operation !== OperationTypeNode.QUERY ||
    operation!.selectionSet.selections.length !== 1 ||
    field?.kind !== Kind.FIELD
  ) {
    throw new Error(`A batched gateway read is one query of one root field (${operation?.name?.value ?? 'anonymous'} is not).`);
  }
  const fragments = document.definitions.filter(
    (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  shape = { field, variableDefinitions: operation!.variableDefinitions ?? [], fragments };
  shapes.set(document, shape);
  return shape;
}

/** Renames every `$name` under `node` to `$<prefix>name`, so that several reads share one operation. */
function prefixVariables<Node extends ASTNode>(node: Node, prefix: string): Node {
  return visit(node, {
    Variable: (variable) => ({ ...variable, name: { ...variable.name, value: prefix + variable.name.value } }),
  });
}

/** Several reads as one operation: each root field under its alias `f<index>`, with its variables renamed apart. */
function mergeReads(reads: readonly RootRead[]): { name: string; query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  reads.forEach((read, index) => {
    for (const [name, value] of Object.entries(read.variables ?? {}))
      if (value !== undefined) variables[`v${index}_${name}`] = value;
  });
  return { ...mergedOperation(reads.map((read) => read.document)), variables };
}

/** The merged operation's text depends only on its documents, in order: printed once per sequence. */
const mergedOperations = new Map<string, { name: string; query: string }>();
const MAX_MERGED_OPERATIONS = 500;
const documentNumbers = new WeakMap<DocumentNode, number>();
let documentsNumbered = 0;

function mergedOperation(documents: readonly DocumentNode[]): { name: string; query: string } {
  const key = documents.map(documentNumber).join(',');
  let merged = mergedOperations.get(key);
  if (!merged) {
    merged = printMergedOperation(documents);
    if (mergedOperations.size >= MAX_MERGED_OPERATIONS) mergedOperations.clear();
    mergedOperations.set(key, merged);
  }
  return merged;
}

function documentNumber(document: DocumentNode): number {
  let number = documentNumbers.get(document);
  if (number === undefined) documentNumbers.set(document, (number = documentsNumbered++));
  return number;
}

function printMergedOperation(documents: readonly DocumentNode[]): { name: string; query: string } {
  const variableDefinitions: VariableDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  const fields = documents.map((document, index) => {
    const shape = shapeOf(document);
    const prefix = `v${index}_`;
    variableDefinitions.push(...shape.variableDefinitions.map((definition) => prefixVariables(definition, prefix)));
    for (const fragment of shape.fragments) fragments.set(fragment.name.value, fragment);
    return { ...prefixVariables(shape.field, prefix), alias: { kind: Kind.NAME, value: `f${index}` } } satisfies FieldNode;
  });
  const name = `Bff_${[...new Set(fields.map((field) => field.name.value))].join('_')}`;
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: { kind: Kind.NAME, value: name },
    variableDefinitions,
    selectionSet: { kind: Kind.SELECTION_SET, selections: fields },
  };
  return { name, query: print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments.values()] }) };
}

/** Most root fields one batched gateway operation carries; more are split into several calls. */
const GATEWAY_BATCH_SIZE = 50;

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
  return new DataLoader<RootRead, unknown>(
    measuredBatch(batchSizes, 'gateway', async (reads: readonly RootRead[]) => {
      const { name, query, variables } = mergeReads(reads);
      const identity = caller();
      const result = await gateway.execute<Record<string, unknown>>(name, query, variables, identity);
      const failures = result.errors.filter((error) => !isPassedThrough(error));
      // An outage under a long list is one error per entity and field: the count and the first say it.
      if (failures.length > 0)
        logger.warn(
          { requestId: identity.requestId, gatewayErrors: failures.length, gatewayError: failures[0] },
          'gateway answered with errors',
        );
      return splitBatchResult(
        result,
        reads.map((_read, index) => `f${index}`),
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

/** The data of a one-root-field operation: the value of that field. */
type RootValue<Data> = Data[keyof Data];

/**
 * Reads one root field through the batch, typed by its gateway document. A failure is a
 * rejection; a value the gateway could not fill inside it is an Error in its place (see
 * splitBatchResult).
 */
export async function readRoot<Data extends object, Variables extends Record<string, unknown>>(
  batch: GatewayBatch,
  document: TypedDocumentNode<Data, Variables>,
  ...[variables]: Variables extends Record<string, never> ? [] : [variables: Variables]
): Promise<RootValue<Data>> {
  return (await batch.load({ document, variables })) as RootValue<Data>;
}
