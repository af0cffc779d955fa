import type { BffCaller, BffServerOptions } from '@storefront/bff';
import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { MobileContext } from './context.js';

type Plugin = NonNullable<BffServerOptions<MobileContext, BffCaller>['plugins']>[number];

/** The root fields an operation selects, through fragments too. */
function rootFields(operation: OperationDefinitionNode, document: DocumentNode): Set<string> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names = new Set<string>();
  const seen = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        names.add(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return names;
}

/** Mutations that act as nobody: an app with an expired access token must still be able to call them. */
const TOKENLESS_MUTATIONS = new Set(['logIn', 'refreshSession']);

/**
 * Refuses requests whose bearer token was expired, forged or malformed with UNAUTHENTICATED and
 * HTTP 401, before anything runs: such a request never gets data, not even public data. Only
 * logIn and refreshSession go through (as nobody), since apps often attach the stale token to
 * the very request that replaces it.
 */
export function bearerPlugin(): Plugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          if (!contextValue.authError) return;
          const tokenless =
            operation?.operation === OperationTypeNode.MUTATION &&
            [...rootFields(operation, document)].every((field) => TOKENLESS_MUTATIONS.has(field));
          if (!tokenless) throw contextValue.authError;
        },
      };
    },
  };
}

/** Root fields whose PUBLIC answer for a signed-out caller must never reach a signed-in one. */
const SIGNED_IN_DEPENDENT_FIELDS = new Set(['home']);

/**
 * `home` is PUBLIC when signed out (shared by every anonymous app) and PRIVATE when signed in
 * (it carries the user's orders). The response cache looks a signed-in caller up under their
 * own key first and then under the public one, so the public key of such operations also
 * names whether the caller is signed in: a signed-out home is never served to a signed-in user.
 */
export function variesBySignIn(operation: OperationDefinitionNode, document: DocumentNode): boolean {
  return [...rootFields(operation, document)].some((field) => SIGNED_IN_DEPENDENT_FIELDS.has(field));
}
