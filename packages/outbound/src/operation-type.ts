import { Kind, OperationTypeNode, parse } from 'graphql';

/** `query`, `mutation` or `subscription`: the operation a document runs (`undefined` if unknown). */
export function operationType(document: string, operationName?: string | null): OperationTypeNode | undefined {
  const cached = operationTypes.get(`${operationName ?? ''}\u0000${document}`);
  if (cached) return cached;
  // Fast path: a document that opens with its operation (every gateway subgraph fetch does).
  const head = /^(?:\s|,|#[^\n]*\n)*(query|mutation|subscription|\{)/.exec(document)?.[1];
  let type: OperationTypeNode | undefined;
  if (head === '{' || head === 'query') type = OperationTypeNode.QUERY;
  else if (head === 'mutation') type = OperationTypeNode.MUTATION;
  else if (head === 'subscription') type = OperationTypeNode.SUBSCRIPTION;
  // With an operation name the document may hold several operations: parse it (once; cached).
  if (!type || operationName) {
    try {
      const operations = parse(document).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      const operation =
        (operationName ? operations.find((definition) => definition.name?.value === operationName) : undefined) ??
        (operations.length === 1 ? operations[0] : undefined);
      type = operation?.operation;
    } catch {
      type = undefined;
    }
  }
  if (type) {
    if (operationTypes.size >= 1_000) operationTypes.clear();
    operationTypes.set(`${operationName ?? ''}\u0000${document}`, type);
  }
  return type;
}
const operationTypes = new Map<string, OperationTypeNode>();
