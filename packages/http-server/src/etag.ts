import { hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { firstHeader } from './request-body.js';

/** True when a Cache-Control value lets the client keep the response for a while. */
function keepable(cacheControl: string | undefined): boolean {
  if (!cacheControl || /\b(no-store|no-cache)\b/i.test(cacheControl)) return false;
  return Number(/\bmax-age=(\d+)/i.exec(cacheControl)?.[1] ?? 0) > 0;
}

/** If-None-Match against a strong ETag, with the weak comparison RFC 9110 prescribes for it. */
function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * Ends a response whose status and headers are set; with `etag`, a strong ETag (a hash of the
 * body) on GET responses that Cache-Control lets a client keep, and 304 Not Modified without a
 * body when the request's If-None-Match names it.
 */
export function sendComplete(
  request: IncomingMessage,
  response: ServerResponse,
  body: string | Uint8Array,
  options: { etag?: boolean | undefined; knownEtag?: string | undefined },
): void {
  if (
    options.etag &&
    request.method === 'GET' &&
    response.statusCode === 200 &&
    keepable(response.getHeader('cache-control') as string | undefined)
  ) {
    const etag = options.knownEtag ?? `"${hash('sha256', body, 'base64url')}"`;
    response.setHeader('etag', etag);
    if (etagMatches(firstHeader(request.headers, 'if-none-match'), etag)) {
      response.statusCode = 304;
      response.removeHeader('content-type');
      response.end();
      return;
    }
  }
  response.end(body);
}
