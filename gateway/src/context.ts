import type { RequestContext } from '@storefront/http-server';
import type { Logger } from 'pino';

/** Per-request context of the gateway: who is calling, to forward to subgraphs. */
export interface GatewayContext extends RequestContext {
  /** The caller's Authorization header, forwarded only after its token verified. */
  authorization: string | undefined;
  /** The client's address (X-Forwarded-For from the proxies TRUST_PROXY names, i.e. the BFFs), signed to subgraphs. */
  clientIp?: string;
  logger: Logger;
}
