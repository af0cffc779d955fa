import type { GraphQLResponse } from '@storefront/testing';
import { loadClientOperations } from '../../scripts/lib/client-operations.js';

const operations = loadClientOperations('web');

/** A browser's view of the web BFF: a cookie jar and the web app's own operations. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  /** Set-Cookie headers of the last response, raw. */
  lastSetCookies: string[] = [];

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Sends one operation of `contracts/web` (with its fragments) by name. */
  send<Data = Record<string, any>>(
    operationName: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    const operation = operations.get(operationName);
    if (!operation) throw new Error(`no web operation named ${operationName}`);
    return this.post<Data>({ query: operation.document, operationName, variables }, headers);
  }

  /** Sends any document, for cases the app's operations do not cover. */
  query<Data = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    return this.post<Data>({ query, variables }, headers);
  }

  /** fetch as this browser: its cookies sent, the answer's Set-Cookie kept (for clients that make their own requests, such as graphql-sse's). */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = new Headers(init.headers);
    // The call's own headers win, then this client's, then its cookie jar.
    for (const [name, value] of Object.entries(this.headers)) if (!headers.has(name)) headers.set(name, value);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await fetch(input, { ...init, headers });
    this.remember(response);
    return response;
  };

  private remember(response: Response): void {
    this.lastSetCookies = response.headers.getSetCookie();
    for (const setCookie of this.lastSetCookies) {
      const [pair = ''] = setCookie.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === '' || /max-age=0/i.test(setCookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private async post<Data>(body: object, headers: Record<string, string>): Promise<GraphQLResponse<Data> & { bytes: number }> {
    const response = await this.fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: JSON.parse(text), bytes: Buffer.byteLength(text) };
  }
}
