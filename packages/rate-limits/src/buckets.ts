import { isIP } from 'node:net';

/** An IPv6 client usually holds a whole /64: one bucket for it, not 2^64. */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = ''] = address.split('%');
  const expanded = head.includes('::')
    ? (() => {
        const [left, right] = head.split('::') as [string, string];
        const l = left ? left.split(':') : [];
        const r = right ? right.split(':') : [];
        return [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
      })()
    : head.split(':');
  return `${expanded
    .slice(0, 4)
    .map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Whole seconds to wait, at least one. */
export function msToSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
