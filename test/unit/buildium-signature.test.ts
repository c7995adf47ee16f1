/**
 * Buildium webhook signatures: base64 HMAC-SHA256 of `timestamp.body`; forged, tampered, replayed,
 * future-dated, wrong-algorithm and missing-header requests are refused with a reason.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBuildium, verifyBuildiumSignature } from '../../functions/connectors/buildium/signature.js';

const SECRET = 'bd-signing-secret';
const NOW = Date.parse('2025-10-12T12:00:00Z');
const BODY = '{"EventName":"Tenant.Updated","TenantId":5501}';
const TS = String(NOW / 1000);

function check(headers: Record<string, string>, body: string = BODY, secret = SECRET) {
  return verifyBuildiumSignature({ header: (n) => headers[n.toLowerCase()], rawBody: body, secret, now: NOW });
}
const signed = (ts = TS, body = BODY, secret = SECRET) => ({ 'buildium-webhook-timestamp': ts, 'buildium-webhook-signature': signBuildium(secret, ts, body) });

describe('verifyBuildiumSignature', () => {
  it('accepts a request signed over timestamp.body, in seconds or milliseconds', () => {
    expect(signBuildium(SECRET, TS, BODY)).toBe(createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('base64'));
    expect(check(signed())).toEqual({ valid: true });
    expect(check(signed(String(NOW)))).toEqual({ valid: true });
  });

  it.each([
    ['forged (another secret)', () => check(signed(TS, BODY, 'other')), 'signature mismatch'],
    ['tampered body', () => check(signed(), BODY.replace('5501', '5502')), 'signature mismatch'],
    ['replayed (6 minutes old)', () => check(signed(String(NOW / 1000 - 360))), 'timestamp older than 5 minutes'],
    ['future-dated', () => check(signed(String(NOW / 1000 + 360))), 'timestamp more than 5 minutes ahead'],
    ['wrong algorithm (plain SHA-256)', () => check({ 'buildium-webhook-timestamp': TS, 'buildium-webhook-signature': createHash('sha256').update(`${TS}.${BODY}`).digest('base64') }), 'signature mismatch'],
    ['hex instead of base64', () => check({ 'buildium-webhook-timestamp': TS, 'buildium-webhook-signature': createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex') }), 'signature is not a base64 HMAC-SHA256'],
    ['missing signature', () => check({ 'buildium-webhook-timestamp': TS }), 'no buildium-webhook-signature header'],
    ['missing timestamp', () => check({ 'buildium-webhook-signature': signBuildium(SECRET, TS, BODY) }), 'no buildium-webhook-timestamp header'],
    ['no secret configured', () => check(signed(), BODY, ''), 'no signing secret configured'],
  ])('refuses %s', (_name, run, reason) => {
    expect(run()).toEqual({ valid: false, reason });
  });
});
