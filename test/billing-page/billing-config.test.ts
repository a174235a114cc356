import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { themeCss } from '../../src/billing-page/page-style.js';

const MINIMAL = {
  STRIPE_SECRET_KEY: 'sk_test_config',
  STRIPE_WEBHOOK_SECRET: 'whsec_config',
  MOESIF_MANAGEMENT_API_KEY: 'moesif-config-key',
  TOP_UP_API_KEYS: 'config-test-api-key-0123456789',
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...MINIMAL, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

/** BILLING_* variables: parsed once, refused loudly. */
describe('billing page configuration', () => {
  it('defaults: no return origins (no sessions), no custom amounts, plain branding', () => {
    expect(loadConfig(MINIMAL).billing).toEqual({
      returnOrigins: [],
      publicUrl: undefined,
      customAmounts: false,
      pageTitle: 'Billing',
      brandColor: '#3b4cca',
      logoUrl: undefined,
    });
  });

  it('origins are normalised; http is accepted for localhost only', () => {
    const config = loadConfig({
      ...MINIMAL,
      BILLING_RETURN_ORIGINS: 'https://app.example.com/, http://localhost:5173,http://127.0.0.1:8080',
      BILLING_PUBLIC_URL: 'https://billing.example.com',
    });
    expect(config.billing.returnOrigins).toEqual(['https://app.example.com', 'http://localhost:5173', 'http://127.0.0.1:8080']);
    expect(config.billing.publicUrl).toBe('https://billing.example.com');
  });

  it.each([
    ['BILLING_RETURN_ORIGINS', 'http://app.example.com', /not an origin/],
    ['BILLING_RETURN_ORIGINS', 'https://app.example.com/account', /not an origin/],
    ['BILLING_RETURN_ORIGINS', 'app.example.com', /not an origin/],
    ['BILLING_PUBLIC_URL', 'https://billing.example.com/x', /not an origin/],
    ['BILLING_BRAND_COLOR', 'red', /#rrggbb/],
    ['BILLING_LOGO_URL', 'http://cdn.example.com/logo.png', /https/],
    ['BILLING_CUSTOM_AMOUNTS', 'yes', /true or false/],
  ])('%s=%s is refused, naming the variable', (name, value, problem) => {
    const problems = problemsOf({ [name]: value });
    expect(problems.find((p) => p.startsWith(name))).toMatch(problem);
  });

  it.each([
    ['#ffffff', '#000000'],
    ['#ffcc00', '#000000'],
    ['#3b4cca', '#ffffff'],
    ['#000000', '#ffffff'],
  ])('text on %s is %s (the higher contrast)', (brand, text) => {
    expect(themeCss(brand)).toBe(`:root { --brand: ${brand}; --on-brand: ${text}; }\n`);
  });
});
