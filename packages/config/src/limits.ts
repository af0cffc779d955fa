import { z } from 'zod';

/** Defaults of one server's document limits; each is overridable by its env variable. */
export interface DocumentLimitDefaults {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  tokens: number;
  documentBytes: number;
  cost: number;
  pageSize: number;
  bodyBytes: number;
}

const atLeast = (minimum: number, fallback: number) => z.coerce.number().int().min(minimum).default(fallback);

/**
 * The abuse limits of a GraphQL server (gateway, bff-web, bff-mobile), each server with its own
 * defaults: see `DocumentLimits` in @storefront/http-server for what each one counts.
 */
export function documentLimitsShape(defaults: DocumentLimitDefaults) {
  return {
    MAX_QUERY_DEPTH: atLeast(1, defaults.depth),
    MAX_ALIASES: atLeast(0, defaults.aliases),
    MAX_ROOT_FIELDS: atLeast(1, defaults.rootFields),
    MAX_DIRECTIVES: atLeast(0, defaults.directives),
    MAX_TOKENS: atLeast(1, defaults.tokens),
    MAX_DOCUMENT_BYTES: atLeast(1, defaults.documentBytes),
    MAX_QUERY_COST: atLeast(1, defaults.cost),
    /** The subgraphs refuse more than 100 anyway. */
    MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(defaults.pageSize),
    /** Largest request body; larger ones get 413. */
    MAX_BODY_BYTES: atLeast(1, defaults.bodyBytes),
  };
}
