/** Personal data in log lines (functions/core/privacy.ts). */
import { describe, expect, it } from 'vitest';
import { maskEmail, maskEmailsIn } from '../../functions/core/privacy.js';

describe('masking emails for logs', () => {
  it('keeps the first letter and the domain of an address', () => {
    expect(maskEmail('ana.ruiz@example.com')).toBe('a***@example.com');
    expect(maskEmail('not-an-email')).toBe('***');
  });

  it("masks every address quoted in a provider's message, and leaves the rest of it", () => {
    expect(maskEmailsIn('VALIDATION_ERROR: Email address ana.ruiz@bad-.example.com is invalid')).toBe('VALIDATION_ERROR: Email address a***@bad-.example.com is invalid');
    expect(maskEmailsIn('Contact already exists. Existing ID: 901 ("bea@example.com", <carl@example.org>)')).toBe('Contact already exists. Existing ID: 901 ("b***@example.com", <c***@example.org>)');
    expect(maskEmailsIn('HubSpot 500: server error')).toBe('HubSpot 500: server error');
  });
});
