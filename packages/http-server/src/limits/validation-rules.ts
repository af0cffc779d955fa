import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { Kind, type GraphQLError, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import { LIMIT_CODES, LimitError, type DocumentLimits, type LimitCode } from './document-limits.js';

/** Reports armor's rejection as our own error, so the client gets a distinct code. */
function reportAs(code: LimitCode) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    context?.reportError(new LimitError(code, error.message.replace(/^Syntax Error: /, '')));
  };
}

/** Fields at the root of each operation, through fragments (inline and named). */
function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => {
    const count = (selectionSet: SelectionSetNode, seen: Set<string>): number => {
      let fields = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          fields += 1;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          fields += count(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          // A cycle is another rule's error; a fragment spread twice at the root selects the same fields.
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) fields += count(fragment.selectionSet, seen);
        }
      }
      return fields;
    };
    return {
      OperationDefinition(operation) {
        const fields = count(operation.selectionSet, new Set());
        if (fields > max) {
          context.reportError(new LimitError(LIMIT_CODES.rootFields, `Root fields limit of ${max} exceeded, found ${fields}.`));
        }
      },
    };
  };
}

/** The validation rules of the limits that do not depend on variables. */
export function documentLimitRules(limits: DocumentLimits): ValidationRule[] {
  const callbacks = (code: LimitCode) => ({ propagateOnRejection: false, onReject: [reportAs(code)], onAccept: [] });
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...callbacks(LIMIT_CODES.depth) }),
    // armor exempts `__typename` by default; an alias flood of `__typename` is still a flood.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], ...callbacks(LIMIT_CODES.aliases) }),
    maxDirectivesRule({ n: limits.maxDirectives, ...callbacks(LIMIT_CODES.directives) }),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}
