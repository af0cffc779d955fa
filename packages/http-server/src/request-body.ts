import type { IncomingMessage, ServerResponse } from 'node:http';

/* Reading requests and writing plain JSON answers, for the HTTP front (server.ts). */

/** A request body over the server's limit: answered 413. */
export class BodyTooLargeError extends Error {}

/** First value of a header (lower-case name). */
export function firstHeader(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** How much of a refused body is read and dropped after its 413 before the connection is cut. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * Reads and drops the rest of a body refused as too large. Closing a connection whose
 * incoming bytes are unread resets it, and a client still sending would see that reset (EPIPE,
 * ECONNRESET) instead of the 413; so the connection stays open (and reusable) until the body
 * has ended, unless it goes on past MAX_DRAINED_BYTES.
 */
function drain(request: IncomingMessage): void {
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAINED_BYTES) request.socket.destroy();
  });
  request.resume();
}

/** The request's body as text, refused (BodyTooLargeError) past `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<string> {
  // A declared length over the limit is refused before a byte is read.
  if (Number(firstHeader(request.headers, 'content-length')) > limit) {
    drain(request);
    return Promise.reject(new BodyTooLargeError());
  }
  // Events rather than an async iterator: this runs on every POST, and the iterator costs more than the read.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        drain(request);
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    request.once('error', reject);
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}
