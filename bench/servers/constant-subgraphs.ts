// Constant-answer subgraphs for the gateway-engine arms: one node:http process serving
// /users, /catalog and /orders, which answers every request with the bytes first answered to
// the same body (query and variables) by the real subgraph (BENCH_USERS_URL, ...), whoever
// asks. The root fetch of an operation then always gets the same answer, so the entity
// fetches that follow are the same too: after the first request per body, the subgraphs cost
// a map lookup and a socket write, and the arm measures the gateway's own work per request,
// as the public gateway benchmarks do with their fixed in-memory subgraphs. Recordings are
// made as one caller (BENCH_RECORD_AUTHORIZATION), so every answer is one consistent view.
import http from 'node:http';

const upstream: Record<string, string> = {
  users: process.env.BENCH_USERS_URL!,
  catalog: process.env.BENCH_CATALOG_URL!,
  orders: process.env.BENCH_ORDERS_URL!,
};
const answers = new Map<string, Promise<Buffer>>();
const headers = { 'content-type': 'application/json; charset=utf-8' };
/** Hop-by-hop and length headers are the forwarding request's own. */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding']);

async function record(subgraph: string, request: http.IncomingMessage, body: string): Promise<Buffer> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && !NOT_FORWARDED.has(name)) forwarded[name] = value;
  }
  if (process.env.BENCH_RECORD_AUTHORIZATION) forwarded.authorization = process.env.BENCH_RECORD_AUTHORIZATION;
  const response = await fetch(upstream[subgraph]!, { method: 'POST', headers: forwarded, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok || bytes.includes('"errors":'))
    throw new Error(`${subgraph} answered ${response.status}: ${bytes.toString().slice(0, 300)}`);
  return bytes;
}

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.end('ok');
    return;
  }
  const subgraph = /^\/(users|catalog|orders)\//.exec(request.url ?? '')?.[1];
  if (!subgraph || request.method !== 'POST') {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const key = `${subgraph}\n${body}`;
    let answer = answers.get(key);
    if (!answer) {
      answer = record(subgraph, request, body);
      answers.set(key, answer);
      // A failed recording is tried again by the next request.
      answer.catch(() => answers.delete(key));
    }
    answer.then(
      (bytes) => {
        response.writeHead(200, { ...headers, 'content-length': bytes.length });
        response.end(bytes);
      },
      (error: unknown) =>
        response
          .writeHead(502, headers)
          .end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] })),
    );
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log('constant subgraphs ready'));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
