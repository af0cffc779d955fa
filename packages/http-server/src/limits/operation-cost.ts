import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Arguments whose value is the length of the list a field returns. */
const PAGE_SIZE_ARGUMENTS = ['first', 'last', 'limit'] as const;

interface OperationAnalysis {
  cost: number;
  /** The first page-size argument below 1 or above the maximum. */
  invalidPage?: { field: string; argument: string; value: number };
}

/*
 * The analysis below reads the schema by duck typing (`getFields`, `ofType`) and values by
 * hand rather than with graphql-js's instanceof-based helpers: under vitest the servers' schema
 * objects and this module may come from graphql's CommonJS and ESM builds respectively.
 */
interface SchemaField {
  args: ReadonlyArray<{ name: string; defaultValue?: unknown }>;
  type: unknown;
}

function namedTypeOf(type: unknown): GraphQLNamedType | undefined {
  let current = type as { ofType?: unknown } | undefined;
  while (current && current.ofType) current = current.ofType;
  return current as GraphQLNamedType | undefined;
}

function fieldOf(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): SchemaField | undefined {
  if (name === '__schema') return { args: [], type: schema.getType('__Schema') };
  if (name === '__type') return { args: [], type: schema.getType('__Type') };
  const fields = (parent as { getFields?: () => Record<string, SchemaField> } | undefined)?.getFields?.();
  return fields?.[name];
}

/**
 * The estimated cost of running `operation`: every field costs 1, and a field that returns a
 * page (a `first`, `last` or `limit` argument, from a literal, a variable or the schema's
 * default; the maximum page size when none applies) multiplies the cost of its selection by
 * that size, so nested lists multiply (10 products × 4 related × their fields). Fragments are
 * costed once each, however often they are spread. Also finds the first page size outside 1 to
 * `maxPageSize`. `variables` are the request's, as sent.
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  maxPageSize: number,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  const fragmentCosts = new Map<string, number>();
  let invalidPage: OperationAnalysis['invalidPage'];

  /** A number, null, or undefined when the argument counts as absent. */
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
    if (node.kind === Kind.NULL) return null;
    if (node.kind !== Kind.VARIABLE) return node.kind === Kind.FLOAT ? Number(node.value) : undefined;
    const name = node.name.value;
    if (Object.hasOwn(variables, name)) return variables[name];
    const fallback = variableDefaults.get(name);
    return fallback ? valueOf(fallback) : undefined;
  };

  const pageSizeOf = (field: SchemaField, node: FieldNode): number => {
    let size: number | undefined;
    let sized = false;
    for (const argument of field.args) {
      if (!(PAGE_SIZE_ARGUMENTS as readonly string[]).includes(argument.name)) continue;
      sized = true;
      const given = node.arguments?.find((candidate) => candidate.name.value === argument.name);
      let value = given ? valueOf(given.value) : undefined;
      if (value === undefined) value = argument.defaultValue;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue; // null or not a number: the resolver decides or refuses
      if ((value < 1 || value > maxPageSize) && !invalidPage)
        invalidPage = { field: node.name.value, argument: argument.name, value };
      size = Math.max(size ?? 1, Math.min(Math.trunc(value), maxPageSize));
    }
    return sized ? (size ?? maxPageSize) : 1;
  };

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, guard: number): number => {
    if (guard > 200) return 0; // deeper than any limit allows; cycles are refused by validation
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = selection.selectionSet ? fieldOf(schema, parent, selection.name.value) : undefined;
        if (!selection.selectionSet || !field) {
          total += 1;
          continue;
        }
        const size = pageSizeOf(field, selection);
        total += 1 + size * selectionCost(selection.selectionSet, namedTypeOf(field.type), guard + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, type ?? undefined, guard + 1);
      } else {
        const name = selection.name.value;
        let cost = fragmentCosts.get(name);
        if (cost === undefined) {
          fragmentCosts.set(name, 0); // a cycle costs nothing here; validation refuses it
          const fragment = fragments.get(name);
          cost = fragment
            ? selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, guard + 1)
            : 0;
          fragmentCosts.set(name, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  const cost = selectionCost(operation.selectionSet, root ?? undefined, 0);
  return invalidPage ? { cost, invalidPage } : { cost };
}
