import { describe, expect, it } from '@jest/globals';
import { startBanner } from '../scripts/start-banner.js';

const urls = {
  web: 'http://localhost:4100',
  mobile: 'http://localhost:4200',
  gateway: 'http://localhost:4000',
  users: 'http://localhost:4001',
  catalog: 'http://localhost:4002',
  orders: 'http://localhost:4003',
};

describe("npm start's banner", () => {
  it('offers Apollo Sandbox outside production', () => {
    const banner = startBanner({ nodeEnv: 'development', urls, redis: false });
    expect(banner).toContain('Storefront graph is up');
    expect(banner).toContain('Apollo Sandbox');
    for (const url of Object.values(urls)) expect(banner).toContain(`${url}/graphql`);
  });

  it('does not advertise Sandbox in production, where there is none', () => {
    const banner = startBanner({ nodeEnv: 'production', urls, redis: true });
    expect(banner).toContain('Storefront graph is up');
    expect(banner).not.toMatch(/open any \/graphql URL|for Apollo Sandbox/);
    expect(banner).toContain('production mode');
  });
});
