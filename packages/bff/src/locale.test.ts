import { describe, expect, it } from '@jest/globals';
import { expectLabelled } from '@storefront/testing';
import { negotiateLocale, preferredLanguage } from './locale.js';

const supported = ['en', 'de', 'fr'] as const;

describe('preferredLanguage', () => {
  it('picks the best supported language by weight, then order', () => {
    expect(preferredLanguage('de-CH', supported)).toBe('de');
    expect(preferredLanguage('fr-FR,fr;q=0.9,en;q=0.5', supported)).toBe('fr');
    expect(preferredLanguage('es, de;q=0.5, fr;q=0.8', supported)).toBe('fr');
    expect(preferredLanguage('en;q=0.1, DE', supported)).toBe('de');
  });

  it('falls back to the first supported language', () => {
    for (const header of [undefined, '', 'es-ES', 'de;q=0', '*', 'x'.repeat(300), '<script>']) {
      expectLabelled(preferredLanguage(header, supported), String(header)).toBe('en');
    }
  });
});

describe('negotiateLocale', () => {
  it('is unchanged: the best locale the runtime formats, else en-US', () => {
    expect(negotiateLocale('de-DE,de;q=0.9')).toBe('de-DE');
    expect(negotiateLocale('es, fr;q=0.8')).toBe('es');
    expect(negotiateLocale(undefined)).toBe('en-US');
    expect(negotiateLocale('x'.repeat(300))).toBe('en-US');
  });
});
