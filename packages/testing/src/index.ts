import { randomBytes } from 'node:crypto';
import { signAccessToken, signSubgraphRequest } from '@storefront/auth';
import { DEVELOPMENT_SECRET } from '@storefront/config';
import { dropDatabase, ensureDatabase, migrate, migrationsDir, withDatabase, type Domain } from '@storefront/db';

/** The real Postgres server tests use: `TEST_DATABASE_URL`, else this machine's default. */
export const testServerUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * The SUBGRAPH_SECRET of test stacks (`SUBGRAPH_SECRET`, else the development default): the
 * gateway and a subgraph calling another sign subgraph requests with it, and `graphql()` signs
 * with it too, so a test may call a subgraph directly as the gateway would.
 */
export const testSubgraphSecret = process.env.SUBGRAPH_SECRET || DEVELOPMENT_SECRET;

export { eventually, type EventuallyOptions } from './eventually.js';
export { expectLabelled, softAssertions } from './expect.js';
export {
  answering,
  deleteTestKeys,
  redisTargets,
  startRedisCluster,
  testRedis,
  testRedisUrl,
  type TestRedisCluster,
} from './redis.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for `domain` on the test server, with a unique name. */
export async function createTestDatabase(domain: Domain, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `sf_test_${randomBytes(5).toString('hex')}_${domain}`;
  const url = withDatabase(testServerUrl, name);
  await ensureDatabase(url);
  if (options.migrate ?? true) await migrate(url, migrationsDir(domain));
  return { url, drop: () => dropDatabase(url) };
}

export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  headers: Headers;
  body: {
    data?: Data | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
}

/**
 * POSTs one GraphQL operation as JSON, as a client would. The request carries the gateway's
 * signature (`testSubgraphSecret`), which gateways and BFFs ignore and subgraphs require; pass
 * `unsigned: true` to send it as an outsider would.
 */
export async function graphql<Data = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; headers?: Record<string, string>; unsigned?: boolean } = {},
): Promise<GraphQLResponse<Data>> {
  const payload = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.unsigned ? {} : signSubgraphRequest(testSubgraphSecret, { method: 'POST', body: payload })),
      ...options.headers,
    },
    body: payload,
  });
  const text = await response.text();
  let body: GraphQLResponse<Data>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response (${response.status}): ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** The codes of a response's errors, for assertions. */
export function errorCodes(response: GraphQLResponse): string[] {
  return (response.body.errors ?? []).map((error) => String(error.extensions?.code));
}

/** A signed access token for `user`, as the subgraph that issues sessions would. */
export async function accessTokenFor(
  user: { id: string; role: 'CUSTOMER' | 'ADMIN' },
  secret = process.env.JWT_SECRET ?? DEVELOPMENT_SECRET,
): Promise<string> {
  return (await signAccessToken(user, { secret })).accessToken;
}
