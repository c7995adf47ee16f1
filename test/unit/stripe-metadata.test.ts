/**
 * Stripe's metadata limits (https://docs.stripe.com/api/metadata) are checked before a request, so a
 * landlord whose block breaks one gets an error naming the key instead of a refused call.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors.js';
import { formEncodeMetadata, validateStripeMetadata } from '../../functions/connectors/stripe/metadata.js';

const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key_${i}`, `value ${i}`]));

function refusal(record: Record<string, unknown>): ValidationError {
  try {
    validateStripeMetadata(record);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected the metadata to be refused');
}

describe('validateStripeMetadata', () => {
  it('takes 50 keys and refuses 51, saying how many were given', () => {
    // Prepare
    const fifty = keys(50);
    const fiftyOne = keys(51);

    // Act
    const accepted = validateStripeMetadata(fifty);
    const refused = refusal(fiftyOne);

    // Assess
    expect(accepted).toEqual(fifty);
    expect(refused.message).toContain('51 keys');
    expect(refused.details).toContainEqual({ path: 'metadata', message: expect.stringContaining('at most 50') });
  });

  it('takes a 40-character key and refuses a 41-character one by name', () => {
    const forty = 'k'.repeat(40);
    const fortyOne = 'k'.repeat(41);

    expect(validateStripeMetadata({ [forty]: 'v' })).toEqual({ [forty]: 'v' });
    const refused = refusal({ ok: 'fine', [fortyOne]: 'v' });
    expect(refused.details).toEqual([{ path: `metadata[${fortyOne}]`, message: expect.stringContaining('41 characters') }]);
    expect(refused.message).toContain(fortyOne);
  });

  it('counts characters, not UTF-16 units: 40 emoji make a 40-character key', () => {
    const house = '🏠'.repeat(40);

    expect(validateStripeMetadata({ [house]: 'v' })).toEqual({ [house]: 'v' });
    expect(refusal({ [`${house}x`]: 'v' }).message).toContain('41 characters');
  });

  it('takes a 500-character value and refuses a 501-character one, naming its key', () => {
    expect(validateStripeMetadata({ notes: 'x'.repeat(500) }).notes).toHaveLength(500);

    const refused = refusal({ notes: 'x'.repeat(501) });
    expect(refused.details).toEqual([{ path: 'metadata[notes]', message: expect.stringContaining('501 characters') }]);
  });

  it('refuses keys with square brackets, which Stripe would read as a nested hash', () => {
    const refused = refusal({ 'a[b': '1', 'c]': '2', plain: '3' });

    expect(refused.details.map((d) => d.path)).toEqual(['metadata[a[b]', 'metadata[c]]']);
    expect(refused.details[0]!.message).toContain('square bracket');
  });

  it('refuses values that are not strings, naming each key and what it got', () => {
    const refused = refusal({ rent: 1500, active: true, manager: null, tags: ['a'], name: 'ok' });

    expect(refused.details).toEqual([
      { path: 'metadata[rent]', message: 'value must be a string, got number' },
      { path: 'metadata[active]', message: 'value must be a string, got boolean' },
      { path: 'metadata[manager]', message: 'value must be a string, got null' },
      { path: 'metadata[tags]', message: 'value must be a string, got an array' },
    ]);
  });

  it('leaves out keys whose value is undefined instead of sending the text "undefined"', () => {
    expect(validateStripeMetadata({ utm_source: 'connectlinx', managed_by: undefined })).toEqual({ utm_source: 'connectlinx' });
  });

  it('refuses an empty key but takes an empty value (which unsets the key in Stripe)', () => {
    expect(refusal({ '': 'x' }).details[0]).toEqual({ path: 'metadata[]', message: 'key is empty' });
    expect(validateStripeMetadata({ stale: '' })).toEqual({ stale: '' });
  });

  it('refuses a value with a lone surrogate, which cannot be sent as UTF-8', () => {
    expect(refusal({ note: 'broken \ud83c' }).details[0]).toEqual({ path: 'metadata[note]', message: 'value is not valid Unicode' });
  });
});

describe('formEncodeMetadata', () => {
  it('sends metadata[key]=value pairs with literal brackets', () => {
    expect(formEncodeMetadata({ utm_source: 'connectlinx', onboarding_stage: 'verified' })).toBe(
      'metadata[utm_source]=connectlinx&metadata[onboarding_stage]=verified',
    );
  });

  it('percent-encodes characters that would otherwise split or change the pairs', () => {
    // Prepare
    const metadata = {
      'utm source': 'a&b=c+d',
      note: '100% done #1?',
      managed_by: 'José Núñez 🏠',
      multi: 'line one\nline two',
      stale: '',
    };

    // Act
    const body = formEncodeMetadata(metadata);

    // Assess: a form decoder (as Stripe's) reads back exactly what was meant
    expect(body).toContain('metadata[utm%20source]=a%26b%3Dc%2Bd');
    expect(body).toContain('metadata[stale]=');
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual(
      Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata[${k}]`, v])),
    );
  });

  it('encodes nothing for empty metadata', () => {
    expect(formEncodeMetadata({})).toBe('');
  });
});
