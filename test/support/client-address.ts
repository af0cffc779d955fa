import { Agent, fetch, setGlobalDispatcher, type RequestInit } from 'undici';

/**
 * Everything on this machine is 127.0.0.1, so a test cannot tell a client's address from its
 * load balancer's unless they differ: Linux answers on all of 127.0.0.0/8, and a client bound
 * to one of those addresses (127.0.0.2, ...) is seen by servers as coming from it.
 */
export function dispatcherFrom(address: string): Agent {
  return new Agent({ localAddress: address });
}

/** Makes every `fetch` of this test process (its helpers included) come from `address`. */
export function sendEverythingFrom(address: string): void {
  setGlobalDispatcher(dispatcherFrom(address));
}

/** A `fetch` whose requests come from `address`. */
export function fetchFrom(address: string) {
  const dispatcher = dispatcherFrom(address);
  return (url: string, init: RequestInit = {}) => fetch(url, { ...init, dispatcher });
}
