import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';

/**
 * A subgraph's answer, as much of a fetch Response as RemoteGraphQLDataSource reads (`ok`,
 * `status`, `statusText`, `url`, `headers.get`, `json()`, `text()`), over undici's `request`.
 * undici's `fetch` builds WHATWG Request, Headers and Response objects and a web stream per
 * call: about a third of the gateway's CPU per operation went there (bench engine arm).
 * The body is read once; `json()` parses a fresh tree on every call, so callers sharing one
 * answer (inflight.ts) never share objects.
 */
export class SubgraphAnswer {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly url: string,
    readonly status: number,
    headers: Record<string, string | string[] | undefined>,
    private readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = {
      get: (name) => {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body);
  }

  async text(): Promise<string> {
    return this.body;
  }
}

/** A subgraph request as RemoteGraphQLDataSource's fetcher is given it (headers a plain object, body a string). */
export interface SubgraphRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends one request to a subgraph and reads its whole answer; `signal` aborts both. */
export async function sendSubgraphRequest(
  url: string,
  init: SubgraphRequestInit,
  signal: AbortSignal,
  dispatcher?: Dispatcher,
): Promise<SubgraphAnswer> {
  const response = await request(url, {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal,
    ...(dispatcher ? { dispatcher } : {}),
  });
  return new SubgraphAnswer(url, response.statusCode, response.headers, await response.body.text());
}
