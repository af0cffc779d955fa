// Peer arm: Hive Gateway (@graphql-hive/gateway, installed for the benchmark only, in
// bench/peers/node_modules), one process on node:http like ours, default settings, serving
// the same supergraph over the same subgraphs. As for the @apollo/gateway peer, the caller's
// Authorization is forwarded and each subgraph request is signed with SUBGRAPH_SECRET.
// BENCH_HIVE_DEDUPLICATE=false turns off its merging of identical in-flight subgraph requests
// (the HTTP transport's `deduplicateInflightRequests`, on by default).
import http from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { signSubgraphRequest } from '@storefront/auth';
import { benchSupergraph } from '../servers/supergraph.js';

const secret = process.env.SUBGRAPH_SECRET!;

const gateway = createGatewayRuntime({
  supergraph: benchSupergraph(),
  logging: 'warn',
  ...(process.env.BENCH_HIVE_DEDUPLICATE === 'false'
    ? { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }
    : {}),
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },
  plugins: () => [
    {
      onFetch({ url, options, setOptions }) {
        const method = (options.method ?? 'POST').toUpperCase();
        const body = method === 'GET' ? new URL(url).search : typeof options.body === 'string' ? options.body : '';
        const headers = new Headers(options.headers as HeadersInit | undefined);
        for (const [name, value] of Object.entries(signSubgraphRequest(secret, { method, body }))) headers.set(name, value);
        setOptions({ ...options, headers: Object.fromEntries(headers) });
      },
    },
  ],
});

const server = http.createServer(gateway);
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log('hive-gateway peer ready'));
process.on('SIGTERM', () => {
  server.close(() => void Promise.resolve(gateway.dispose()).then(() => process.exit(0)));
  server.closeAllConnections();
});
