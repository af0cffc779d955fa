/**
 * Who is calling: the client's address behind trusted proxies, the gateway's signature on
 * subgraph requests (and the nonces that make each one work once), and sessions ended
 * before their tokens expire.
 */
export { clientAddressResolver, type TrustProxy } from './client-address.js';
export {
  gatewaySignatureGuard,
  withGatewaySignature,
  type IncomingGraphQLRequest,
  type RequestRefusal,
} from './gateway-signature.js';
export { NonceStore } from './nonce-store.js';
export { SessionRevocations } from './session-revocations.js';
