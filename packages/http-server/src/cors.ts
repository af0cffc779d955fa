import type { IncomingMessage, ServerResponse } from 'node:http';
import { firstHeader } from './request-body.js';

export interface CorsOptions {
  /** Exact origins allowed to call with credentials (cookies). */
  origins: readonly string[];
}

/** CORS for allowed origins only; true when this was a preflight, already answered. */
export function applyCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = firstHeader(request.headers, 'origin');
  if (!origin || !allowedOrigins.has(origin)) return false;
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('access-control-allow-credentials', 'true');
  response.setHeader('vary', 'Origin');
  if (request.method !== 'OPTIONS') return false;
  response.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  response.setHeader(
    'access-control-allow-headers',
    firstHeader(request.headers, 'access-control-request-headers') ?? 'content-type',
  );
  response.setHeader('access-control-max-age', '600');
  response.writeHead(204);
  response.end();
  return true;
}
