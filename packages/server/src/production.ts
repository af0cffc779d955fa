import type { GraphQLFormattedError } from 'graphql';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** graphql-js's suggestions: `Did you mean "name"?`, `Did you mean the enum value "PENDING"?`, ... */
const SUGGESTION = /\s*Did you mean\b[^?]*\?/g;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * In production no error names a field, type or enum value the caller did not write: Apollo's
 * `hideSchemaDetailsFromClientErrors` strips suggestions from validation errors only, while
 * variable coercion ("Field "emial" is not defined by type "SignUpInput". Did you mean
 * "email"?") reports them at execution; this strips them from every error that leaves.
 */
export function hideSuggestions(format: FormatError): FormatError {
  return (formatted, error) => {
    const result = format(formatted, error);
    return result.message.includes('Did you mean') ? { ...result, message: withoutSuggestions(result.message) } : result;
  };
}
