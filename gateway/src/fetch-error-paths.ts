import {
  Kind,
  parse,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export type FetchErrorPath = Array<string | number>;

interface Walk {
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** False when `@skip(if: true)` or `@include(if: false)` leaves the selection out. */
function included(directives: readonly DirectiveNode[] | undefined, variables: Record<string, unknown>): boolean {
  for (const directive of directives ?? []) {
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if');
    if (!condition) continue;
    const value = valueFromASTUntyped(condition.value, variables);
    if (directive.name.value === 'skip' && value === true) return false;
    if (directive.name.value === 'include' && value === false) return false;
  }
  return true;
}

/**
 * The fields `selectionSet` selects on an object of type `typename` (every type condition
 * when undefined), through inline fragments and fragment spreads, without `__typename`.
 */
function selectedFields(
  selectionSet: SelectionSetNode,
  walk: Walk,
  typename: string | undefined,
  into: FieldNode[] = [],
): FieldNode[] {
  for (const selection of selectionSet.selections) {
    if (!included(selection.directives, walk.variables)) continue;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') into.push(selection);
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : walk.fragments.get(selection.name.value);
    if (!fragment) continue;
    const condition = fragment.typeCondition?.name.value;
    if (typename === undefined || condition === undefined || condition === typename)
      selectedFields(fragment.selectionSet, walk, typename, into);
  }
  return into;
}

/** Response keys, each once, in the order they are selected. */
function responseKeys(fields: FieldNode[]): string[] {
  return [...new Set(fields.map((field) => field.alias?.value ?? field.name.value))];
}

function typenameOf(representation: unknown): string | undefined {
  const typename = (representation as { __typename?: unknown } | null)?.__typename;
  return typeof typename === 'string' ? typename : undefined;
}

/**
 * Where each field a subgraph fetch should have filled sits in the fetch's own response:
 * `[field]` for each root field of a query or mutation fetch, and `['_entities', i, field]`
 * for each field of each entity of an entity fetch. @apollo/gateway turns these into paths
 * of the client's operation (prefixing the fetch's place, hydrating entity indexes), so an
 * error given these paths lands where the client sees the missing data, as Apollo Router
 * reports a failed fetch.
 */
export function fetchErrorPaths(fetch: {
  document?: DocumentNode | undefined;
  query?: string | undefined;
  variables?: Record<string, unknown> | undefined;
}): FetchErrorPath[] {
  let document = fetch.document;
  if (!document && fetch.query) {
    try {
      document = parse(fetch.query);
    } catch {
      return [];
    }
  }
  if (!document) return [];
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) return [];
  const variables = fetch.variables ?? {};
  const walk: Walk = {
    fragments: new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    ),
    variables,
  };
  const rootFields = selectedFields(operation.selectionSet, walk, undefined);
  const entities = rootFields.find((field) => field.name.value === '_entities');
  if (!entities?.selectionSet) return responseKeys(rootFields).map((key) => [key]);
  const representations = Array.isArray(variables.representations) ? (variables.representations as unknown[]) : [];
  const { selectionSet } = entities;
  return representations.flatMap((representation, index) =>
    responseKeys(selectedFields(selectionSet, walk, typenameOf(representation))).map((key) => ['_entities', index, key]),
  );
}
