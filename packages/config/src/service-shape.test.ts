import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, serviceShape } from './index.js';

describe('HEAP_GROWING_PERCENT', () => {
  it('is 50 unless set, 0 turns it off, and anything but a whole percent up to 300 stops the service naming it', () => {
    expect(loadConfig(serviceShape, {}).HEAP_GROWING_PERCENT).toBe(50);
    expect(loadConfig(serviceShape, { HEAP_GROWING_PERCENT: '0' }).HEAP_GROWING_PERCENT).toBe(0);
    for (const bad of ['-1', '301', '12.5', 'half']) {
      expect(() => loadConfig(serviceShape, { HEAP_GROWING_PERCENT: bad })).toThrow(ConfigError);
      expect(() => loadConfig(serviceShape, { HEAP_GROWING_PERCENT: bad })).toThrow(/HEAP_GROWING_PERCENT/);
    }
  });
});

describe('HOST', () => {
  it('is every IPv4 interface unless set, takes any address or host name, and anything else stops the service naming it', () => {
    expect(loadConfig(serviceShape, {}).HOST).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '::', '::1', 'localhost', 'api.internal']) {
      expect(loadConfig(serviceShape, { HOST: host }).HOST).toBe(host);
    }
    for (const bad of ['not a host', 'http://localhost', '127.0.0.1:4000', '-leading.dash']) {
      expect(() => loadConfig(serviceShape, { HOST: bad })).toThrow(/HOST: must be an IP address or a host name/);
    }
  });
});
