/**
 * A federation subgraph as every domain serves it: Apollo Server on the HTTP front, the
 * gateway's signature required, the caller's token verified; and keyset (Relay) pagination
 * over its tables.
 */
export { after, decodeCursor, pageSize, toConnection, type Connection, type Cursor } from './pagination.js';
export { createSubgraphServer, subgraphPoolOptions, type SubgraphRequestContext } from './subgraph-server.js';
export { runDomainSubgraph } from './boot.js';
