import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repositoryRoot } from '@storefront/db';
import {
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';

/**
 * The client teams' operations, as the apps send them. The source of truth is
 * `../shared/clients` next to the repository; `contracts/` holds a copy so a clone alone can
 * run the tests, and `test/contracts.test.ts` fails when the copy falls behind.
 */
export const SHARED_CLIENTS_DIR = path.resolve(repositoryRoot, '..', 'shared', 'clients');
export const VENDORED_CLIENTS_DIR = path.join(repositoryRoot, 'contracts');

function clientsDir(): string {
  return existsSync(SHARED_CLIENTS_DIR) ? SHARED_CLIENTS_DIR : VENDORED_CLIENTS_DIR;
}

export interface ClientOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The operation plus every fragment it uses, as the app's codegen would send it. */
  document: string;
  file: string;
}

/** Every operation of `client` (`web` or `mobile`), each with the fragments it spreads. */
export function loadClientOperations(client: 'web' | 'mobile', dir = clientsDir()): Map<string, ClientOperation> {
  const folder = path.join(dir, client);
  const files = readdirSync(folder).filter((file) => file.endsWith('.graphql'));
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: Array<{ node: OperationDefinitionNode; file: string }> = [];
  for (const file of files) {
    for (const definition of parse(readFileSync(path.join(folder, file), 'utf8')).definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      if (definition.kind === Kind.OPERATION_DEFINITION) operations.push({ node: definition, file });
    }
  }
  const used = (node: DefinitionNode, seen = new Set<string>()): Set<string> => {
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (seen.has(name)) return;
        seen.add(name);
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`fragment ${name} is not defined in ${client}/`);
        used(fragment, seen);
      },
    });
    return seen;
  };
  const result = new Map<string, ClientOperation>();
  for (const { node, file } of operations) {
    const name = node.name?.value;
    if (!name) throw new Error(`an anonymous operation in ${client}/${file}`);
    const documents = [node, ...[...used(node)].map((fragment) => fragments.get(fragment)!)];
    result.set(name, {
      name,
      type: node.operation,
      document: documents.map((definition) => print(definition)).join('\n\n'),
      file,
    });
  }
  return result;
}
