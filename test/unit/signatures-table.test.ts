/**
 * One table for the three signed entry points (issue 6 §3): HubSpot (v3), Buildium and
 * TurboTenant, each asked the same questions — the genuine request passes; a forged secret, a
 * tampered body, a replay outside the window, a future date, another algorithm, another encoding,
 * a missing header, a truncated signature and an empty secret are refused, each for a reason the
 * operator can read (the caller gets a bare 401).
 *
 * And the comparison is constant-time in all three: every verifier compares digests with
 * `timingSafeEqual`, never `===` (checked over their source).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signBuildium, verifyBuildiumSignature } from '../../functions/connectors/buildium/signature.js';
import { signV3, verifyHubSpotSignature } from '../../functions/connectors/hubspot/signature.js';
import { signTurboTenant, verifyTurboTenantSignature } from '../../functions/connectors/turbotenant/signature.js';

const SECRET = 'table-test-signing-secret';
const NOW = Date.parse('2026-11-22T12:00:00Z');
const BODY = '{"EventName":"Rental.Updated","EventDateTime":"2026-11-22T11:59:58Z","AccountId":1,"PropertyId":23}';
const URI = 'https://api.example.com/webhooks/hubspot';

/** A signed request as each provider sends it; the knobs are what an attacker can change. */
interface Forge {
  secret?: string;
  /** Body actually sent (default: the one signed). */
  sentBody?: string;
  /** Signing time, ms. */
  at?: number;
  /** Digest computed with another hash. */
  algorithm?: 'sha256' | 'sha1' | 'sha512';
  /** Drop this header. */
  drop?: 'signature' | 'timestamp';
  /** Cut the signature short. */
  truncate?: boolean;
  /** The verifier's own secret (default SECRET). */
  verifierSecret?: string;
  /** Hex instead of the provider's encoding, or the reverse. */
  otherEncoding?: boolean;
}

interface Provider {
  readonly name: string;
  verify(f: Forge): { valid: boolean; reason?: string };
}

const hmac = (algorithm: string, secret: string, data: string, encoding: 'hex' | 'base64') => createHmac(algorithm, secret).update(data).digest(encoding);

const headersOf = (map: Record<string, string>) => (name: string) => map[name.toLowerCase()];

const providers: Provider[] = [
  {
    name: 'HubSpot v3',
    verify(f) {
      const at = String(f.at ?? NOW);
      const secret = f.secret ?? SECRET;
      let signature =
        f.algorithm && f.algorithm !== 'sha256'
          ? hmac(f.algorithm, secret, `POST${URI}${BODY}${at}`, 'base64')
          : f.otherEncoding
            ? Buffer.from(signV3(secret, 'POST', URI, BODY, at), 'base64').toString('hex')
            : signV3(secret, 'POST', URI, BODY, at);
      if (f.truncate) signature = signature.slice(0, 20);
      const headers: Record<string, string> = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': at };
      if (f.drop === 'signature') delete headers['x-hubspot-signature-v3'];
      if (f.drop === 'timestamp') delete headers['x-hubspot-request-timestamp'];
      return verifyHubSpotSignature(
        { method: 'POST', uri: URI, rawBody: Buffer.from(f.sentBody ?? BODY), header: headersOf(headers) },
        { clientSecret: f.verifierSecret ?? SECRET, now: NOW },
      );
    },
  },
  {
    name: 'Buildium',
    verify(f) {
      const at = String(Math.floor((f.at ?? NOW) / 1000));
      const secret = f.secret ?? SECRET;
      let signature =
        f.algorithm && f.algorithm !== 'sha256'
          ? hmac(f.algorithm, secret, `${at}.${BODY}`, 'base64')
          : f.otherEncoding
            ? Buffer.from(signBuildium(secret, at, BODY), 'base64').toString('hex')
            : signBuildium(secret, at, BODY);
      if (f.truncate) signature = signature.slice(0, 20);
      const headers: Record<string, string> = { 'buildium-webhook-signature': signature, 'buildium-webhook-timestamp': at };
      if (f.drop === 'signature') delete headers['buildium-webhook-signature'];
      if (f.drop === 'timestamp') delete headers['buildium-webhook-timestamp'];
      return verifyBuildiumSignature({ header: headersOf(headers), rawBody: f.sentBody ?? BODY, secret: f.verifierSecret ?? SECRET, now: NOW });
    },
  },
  {
    name: 'TurboTenant',
    verify(f) {
      const at = String(Math.floor((f.at ?? NOW) / 1000));
      const secret = f.secret ?? SECRET;
      let digest =
        f.algorithm && f.algorithm !== 'sha256'
          ? hmac(f.algorithm, secret, `${at}.${BODY}`, 'hex')
          : f.otherEncoding
            ? Buffer.from(signTurboTenant(secret, at, BODY), 'hex').toString('base64')
            : signTurboTenant(secret, at, BODY);
      if (f.truncate) digest = digest.slice(0, 20);
      const headers: Record<string, string> = { 'x-turbotenant-signature': `v1=${digest}`, 'x-turbotenant-timestamp': at };
      if (f.drop === 'signature') delete headers['x-turbotenant-signature'];
      if (f.drop === 'timestamp') delete headers['x-turbotenant-timestamp'];
      return verifyTurboTenantSignature({ header: headersOf(headers), rawBody: f.sentBody ?? BODY, secret: f.verifierSecret ?? SECRET, now: NOW });
    },
  },
];

const MINUTE = 60_000;
const refused: Array<[string, Forge]> = [
  ['a forged signature (another secret)', { secret: 'guessed-secret' }],
  ['a tampered body', { sentBody: BODY.replace('"PropertyId":23', '"PropertyId":24') }],
  ['a replay from 6 minutes ago', { at: NOW - 6 * MINUTE }],
  ['a replay from a day ago', { at: NOW - 24 * 60 * MINUTE }],
  ['a date 6 minutes ahead', { at: NOW + 6 * MINUTE }],
  ['HMAC-SHA1 instead of SHA-256', { algorithm: 'sha1' }],
  ['HMAC-SHA512 instead of SHA-256', { algorithm: 'sha512' }],
  ['the right digest in another encoding', { otherEncoding: true }],
  ['no signature header', { drop: 'signature' }],
  ['no timestamp header', { drop: 'timestamp' }],
  ['a truncated signature', { truncate: true }],
  ['a verifier with no secret configured', { verifierSecret: '' }],
];

describe.each(providers)('$name signatures', (provider) => {
  it('accept the genuine request, and one signed 4 minutes ago', () => {
    expect(provider.verify({})).toMatchObject({ valid: true });
    expect(provider.verify({ at: NOW - 4 * MINUTE })).toMatchObject({ valid: true });
  });

  it.each(refused)('refuse %s, with a reason', (_what, forge) => {
    const check = provider.verify(forge);
    expect(check.valid).toBe(false);
    expect(check.reason).toMatch(/\w{3,}/);
  });
});

describe('constant-time comparison', () => {
  it.each(['functions/connectors/hubspot/signature.ts', 'functions/connectors/buildium/signature.ts', 'functions/connectors/turbotenant/signature.ts'])(
    '%s compares digests with timingSafeEqual, never with === or !==',
    (file) => {
      const source = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      expect(source).toMatch(/timingSafeEqual\(/);
      // No string comparison of a signature or digest value.
      expect(source).not.toMatch(/(signature|digest|expected|received)\w*\s*[!=]==\s*\w*(signature|digest|expected|received)/i);
    },
  );
});
