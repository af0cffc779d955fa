import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { TokenError, signAccessToken, verifyAccessToken } from './index.js';

const secret = 'a-secret-long-enough-for-hs256-tokens';
const ada = { id: 'ada', role: 'CUSTOMER' } as const;

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof TokenError ? error.reason : 'not a TokenError';
  }
}

describe('verifyAccessToken', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('accepts a token again and again until it expires, then refuses it as expired', async () => {
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    jest.setSystemTime(new Date('2026-11-22T10:00:00Z'));
    const { accessToken } = await signAccessToken(ada, { secret, ttlSeconds: 60 });
    expect(await verifyAccessToken(accessToken, secret)).toEqual({ ...ada, expiresAt: expect.any(Number) });
    jest.setSystemTime(new Date('2026-11-22T10:00:59Z'));
    expect(await verifyAccessToken(accessToken, secret)).toEqual({ ...ada, expiresAt: expect.any(Number) });
    jest.setSystemTime(new Date('2026-11-22T10:01:00Z'));
    expect(await reasonOf(verifyAccessToken(accessToken, secret))).toBe('expired');
  });

  it('a token verified with one secret is still refused under another', async () => {
    const { accessToken } = await signAccessToken(ada, { secret });
    expect(await verifyAccessToken(accessToken, secret)).toEqual({ ...ada, expiresAt: expect.any(Number) });
    expect(await reasonOf(verifyAccessToken(accessToken, 'another-secret-of-the-same-length!!'))).toBe('invalid');
  });

  it('refuses a verified token once a character of it changes', async () => {
    const { accessToken } = await signAccessToken({ id: 'grace', role: 'CUSTOMER' }, { secret });
    expect((await verifyAccessToken(accessToken, secret)).id).toBe('grace');
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await reasonOf(verifyAccessToken(forged, secret))).toBe('invalid');
  });
});
