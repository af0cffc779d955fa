import type { IncomingHttpHeaders } from 'node:http';
import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';

export interface Tracing {
  /** True when spans are exported (an OTLP endpoint is configured). */
  enabled: boolean;
  /** Exports the spans waiting in the batch. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

/**
 * Whether this process exports spans. Without it every request still goes through the no-op
 * API (a span object, a context switch, header extraction); on a cache hit that is a
 * noticeable share of the work, so the helpers below skip it.
 */
let exporting = false;
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Where OTLP/HTTP traces go, from the standard OpenTelemetry variables; undefined when unset. */
function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * Starts OpenTelemetry tracing for this process when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: spans go out over OTLP/HTTP (JSON), W3C
 * `traceparent` is read from and written to every hop, and Prisma's own spans (queries)
 * join the request's trace. Without an endpoint nothing is started, nor even loaded (the SDK
 * costs each process tens of megabytes): the API stays a no-op and costs nothing.
 */
export async function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
  const url = tracesEndpoint(env);
  if (!url || env.OTEL_SDK_DISABLED === 'true') return OFF;
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { PrismaInstrumentation } = await import('@prisma/instrumentation');
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1_000 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const prisma = new PrismaInstrumentation();
  prisma.setTracerProvider(provider);
  prisma.enable();
  exporting = true;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      exporting = false;
      prisma.disable();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Adds the current trace context (`traceparent`, `tracestate`, `baggage`) to outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (!exporting) return headers;
  propagation.inject(context.active(), headers);
  return headers;
}

/**
 * Runs one incoming request in a SERVER span that continues the caller's trace (its
 * `traceparent`), named after the service's tracer so each tier is told apart even when
 * several run in one process (tests).
 */
export function withServerSpan<T>(
  service: string,
  request: { method: string; path: string; headers: IncomingHttpHeaders },
  run: (span: Span) => Promise<T>,
): Promise<T> {
  if (!exporting) return run(NO_SPAN);
  const parent = propagation.extract(context.active(), request.headers);
  return trace.getTracer(service).startActiveSpan(
    `${request.method} ${request.path}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'url.path': request.path },
    },
    parent,
    (span) => endingSpan(span, () => run(span)),
  );
}

/** Runs `work` in `span`, records its failure on the span, and ends the span either way. */
async function endingSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

const NAMED_OPERATION = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/**
 * The operation name the caller sent (`operationName`, in the body or the URL), or the name
 * of the document's first operation: for logs and span names before GraphQL runs.
 */
export function callerOperationName(body: unknown, search: URLSearchParams): string | undefined {
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const given = typeof fields.operationName === 'string' ? fields.operationName : search.get('operationName');
  if (given) return given.slice(0, 100);
  const query = typeof fields.query === 'string' ? fields.query : search.get('query');
  return query ? NAMED_OPERATION.exec(query.slice(0, 2_000))?.[1] : undefined;
}
