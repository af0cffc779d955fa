import { BlockList, isIP } from 'node:net';

/** Same shape as `TrustProxySetting` in @storefront/config (parsed from `TRUST_PROXY`). */
export type TrustProxy =
  { kind: 'none' } | { kind: 'all' } | { kind: 'hops'; hops: number } | { kind: 'list'; entries: string[] };

/** `::ffff:10.0.0.1` → `10.0.0.1`, so one client has one address whatever the socket family. */
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    switch (entry) {
      case 'loopback':
        list.addSubnet('127.0.0.0', 8, 'ipv4');
        list.addAddress('::1', 'ipv6');
        break;
      case 'linklocal':
        list.addSubnet('169.254.0.0', 16, 'ipv4');
        list.addSubnet('fe80::', 10, 'ipv6');
        break;
      case 'uniquelocal':
        list.addSubnet('10.0.0.0', 8, 'ipv4');
        list.addSubnet('172.16.0.0', 12, 'ipv4');
        list.addSubnet('192.168.0.0', 16, 'ipv4');
        list.addSubnet('fc00::', 7, 'ipv6');
        break;
      default: {
        const [address, bits] = entry.split('/') as [string, string | undefined];
        const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
        if (bits === undefined) list.addAddress(address, family);
        else list.addSubnet(address, Number(bits), family);
      }
    }
  }
  return list;
}

/**
 * Resolves the client's address from the socket's peer and `X-Forwarded-For`, trusting the
 * header only as far as `trust` allows (as Express's `trust proxy` does). Without trust the
 * header is ignored, so a client cannot pick its own rate-limit bucket.
 */
export function clientAddressResolver(trust: TrustProxy = { kind: 'none' }) {
  const trusted = trust.kind === 'list' ? blockListOf(trust.entries) : undefined;
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted!.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string => {
    const peer = normalizeAddress(remoteAddress ?? 'unknown');
    if (trust.kind === 'none') return peer;
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
    const chain = [
      ...header
        .split(',')
        .map((entry) => normalizeAddress(entry.trim()))
        .filter(Boolean),
      peer,
    ];
    if (trust.kind === 'all') return chain[0]!;
    if (trust.kind === 'hops') return chain[Math.max(0, chain.length - 1 - trust.hops)]!;
    let index = chain.length - 1;
    while (index > 0 && isTrusted(chain[index]!)) index -= 1;
    // Garbage where an address should be: the last trusted hop's own peer is all we know.
    return isIP(chain[index]!) === 0 && index < chain.length - 1 ? chain[index + 1]! : chain[index]!;
  };
}
