import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Every event travels in this envelope; consumers deduplicate on `id`. */
const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1).max(100),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  /** The request that caused it, for logs across services. */
  requestId: z.string().max(128).optional(),
  payload: z.unknown(),
});

export type Envelope<Payload = unknown> = Omit<z.infer<typeof envelopeSchema>, 'payload'> & { payload: Payload };

export function envelope<Payload>(
  type: string,
  payload: Payload,
  options: { version?: number; requestId?: string } = {},
): Envelope<Payload> {
  return {
    id: randomUUID(),
    type,
    version: options.version ?? 1,
    occurredAt: new Date().toISOString(),
    ...(options.requestId ? { requestId: options.requestId } : {}),
    payload,
  };
}

/** Parses a raw message; a malformed one is an error the bus dead-letters. */
export function parseEnvelope(raw: string): Envelope {
  return envelopeSchema.parse(JSON.parse(raw));
}
