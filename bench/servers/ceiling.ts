// Ceiling arms: the fastest a Node process on this machine can answer the same bytes a
// cached page costs, with nothing else in the way.
//   BENCH_CEILING=fixed  bytes held in memory
//   BENCH_CEILING=redis  the same bytes read from Redis (GET) on every request
//   BENCH_CEILING=store  no REDIS_URL: the same bytes from an in-process map, behind a promise
// Usage: node --import tsx bench/servers/ceiling.ts (env: BENCH_PORT, BENCH_PAYLOAD_FILE,
// BENCH_CEILING, REDIS_URL, BENCH_REDIS_KEY).
import { readFileSync } from 'node:fs';
import http from 'node:http';

const mode = process.env.BENCH_CEILING ?? 'fixed';
const payload = readFileSync(process.env.BENCH_PAYLOAD_FILE!);
const headers = { 'content-type': 'application/json; charset=utf-8' };

let read: () => Promise<Buffer | null>;
if (mode === 'redis') {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL!);
  const key = process.env.BENCH_REDIS_KEY!;
  await redis.set(key, payload, 'EX', 3600);
  read = () => redis.getBuffer(key);
} else if (mode === 'store') {
  const store = new Map([['ceiling', payload]]);
  read = async () => store.get('ceiling') ?? null;
} else {
  read = async () => payload;
}

const server = http.createServer((request, response) => {
  request.resume();
  if (request.url === '/health') {
    response.end('ok');
    return;
  }
  if (mode === 'fixed') {
    response.writeHead(200, { ...headers, 'content-length': payload.length });
    response.end(payload);
    return;
  }
  read().then(
    (body) => {
      if (!body) {
        response.writeHead(500).end();
        return;
      }
      response.writeHead(200, { ...headers, 'content-length': body.length });
      response.end(body);
    },
    () => response.writeHead(502).end(),
  );
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => console.log(`ceiling ${mode} ready`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
