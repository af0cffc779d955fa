/** What `npm start` prints once every service is ready. */
export interface StartBannerOptions {
  /** NODE_ENV of the stack: production has no Sandbox (nor introspection) to offer. */
  nodeEnv: string | undefined;
  urls: { shop?: string; web: string; mobile: string; gateway: string; users: string; catalog: string; orders: string };
  redis: boolean;
}

export function startBanner({ nodeEnv, urls, redis }: StartBannerOptions): string {
  const heading =
    nodeEnv === 'production'
      ? 'Storefront graph is up in production mode (no Sandbox, no introspection):'
      : 'Storefront graph is up (open any /graphql URL in a browser for Apollo Sandbox):';
  return `
${heading}
${urls.shop ? `  shop (web app)        ${urls.shop}\n` : ''}  web BFF               ${urls.web}/graphql
  mobile BFF            ${urls.mobile}/graphql
  gateway (supergraph)  ${urls.gateway}/graphql
  users subgraph        ${urls.users}/graphql
  catalog subgraph      ${urls.catalog}/graphql
  orders subgraph       ${urls.orders}/graphql
Health: /health/live, /health/ready; metrics: /metrics on each. Caches and events: ${
    redis ? 'Redis' : 'in process (set REDIS_URL or REDIS_CLUSTER_NODES to use Redis)'
  }. Ctrl-C stops everything; so does any service exiting.
`;
}
