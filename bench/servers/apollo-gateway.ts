// Peer arm: a plain @apollo/gateway on @apollo/server's standalone server, default settings,
// serving the same supergraph over the same subgraphs. The only additions are what any
// deployment of it needs to be let in: the caller's Authorization is forwarded, and each
// subgraph request is signed with SUBGRAPH_SECRET (the subgraphs refuse unsigned calls),
// wrapped around the data source's default fetcher.
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { signSubgraphRequest } from '@storefront/auth';
import { benchSupergraph } from './supergraph.js';

interface Context {
  authorization?: string | undefined;
}

const secret = process.env.SUBGRAPH_SECRET!;
type Fetcher = RemoteGraphQLDataSource['fetcher'];

function signed(fetcher: Fetcher): Fetcher {
  return ((url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> }) => {
    const method = (init.method ?? 'POST').toUpperCase();
    const body = method === 'GET' ? new URL(url).search : typeof init.body === 'string' ? init.body : '';
    return fetcher(url, { ...init, headers: { ...init.headers, ...signSubgraphRequest(secret, { method, body }) } } as never);
  }) as Fetcher;
}

class ForwardingDataSource extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: benchSupergraph(),
  buildService: ({ url }) => {
    const source = new ForwardingDataSource({ url: url! });
    source.fetcher = signed(source.fetcher);
    return source;
  },
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.BENCH_PORT), host: '127.0.0.1' },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`apollo-gateway peer ready at ${url}`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
