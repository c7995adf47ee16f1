/**
 * TurboTenant event signatures (CONTRACT.md, "TurboTenant events"): what TurboTenant signs we
 * accept, and every forged, tampered, replayed or malformed request is refused with a reason.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTurboTenant, turboTenantSignatureHeaders, verifyTurboTenantSignature } from '../../functions/connectors/turbotenant/signature.js';

const SECRET = 'tt_whsec_3f9a1c0e7b2d4a6f';
const BODY =
  '{"event_id":"evt_01","event_type":"property_created","occurred_at":"2025-10-12T21:53:00Z","landlord_id":"LL_1001","property_id":"PROP_1001","metadata":{"utm_source":"connectlinx"}}';
const TS = 1760306000; // 2025-10-12T21:53:20Z
const NOW = TS * 1000 + 30_000;

function lookup(headers: Record<string, string>): (name: string) => string | undefined {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower[name.toLowerCase()];
}

function verify(headers: Record<string, string>, options: { body?: string; secret?: string; now?: number } = {}) {
  return verifyTurboTenantSignature({ header: lookup(headers), rawBody: Buffer.from(options.body ?? BODY), secret: options.secret ?? SECRET, now: options.now ?? NOW });
}

const good = turboTenantSignatureHeaders(SECRET, BODY, TS * 1000);
const hexOf = (header: Record<string, string>) => header['X-TurboTenant-Signature']!.slice(3);

describe('signTurboTenant', () => {
  it('is the hex HMAC-SHA256 of timestamp + "." + raw body, as the contract spells it out', () => {
    // Prepare
    const independent = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');

    // Act
    const signature = signTurboTenant(SECRET, TS, BODY);

    // Assess
    expect(signature).toBe(independent);
    expect(good).toEqual({ 'X-TurboTenant-Timestamp': String(TS), 'X-TurboTenant-Signature': `v1=${independent}` });
  });
});

describe('verifyTurboTenantSignature', () => {
  it('accepts what the signer produced (headers in any case)', () => {
    expect(verify(good)).toEqual({ valid: true });
    expect(verify({ 'x-turbotenant-timestamp': String(TS), 'X-TURBOTENANT-SIGNATURE': good['X-TurboTenant-Signature']! })).toEqual({ valid: true });
  });

  it('accepts a body of any bytes, compared raw (no re-serialised JSON)', () => {
    const spaced = '{ "event_id" : "evt_01" ,\n "note": "café" }';
    const headers = turboTenantSignatureHeaders(SECRET, spaced, TS * 1000);
    expect(verify(headers, { body: spaced })).toEqual({ valid: true });
    expect(verify(headers, { body: JSON.stringify(JSON.parse(spaced)) })).toEqual({ valid: false, reason: 'signature mismatch' });
  });

  it('accepts up to 5 minutes either way and refuses beyond', () => {
    expect(verify(good, { now: (TS + 300) * 1000 }).valid).toBe(true);
    expect(verify(good, { now: (TS - 300) * 1000 }).valid).toBe(true);
    expect(verify(good, { now: (TS + 301) * 1000 })).toEqual({ valid: false, reason: 'timestamp older than 5 minutes' });
    expect(verify(good, { now: (TS - 301) * 1000 })).toEqual({ valid: false, reason: 'timestamp more than 5 minutes ahead' });
  });

  it('accepts several comma-separated entries when any v1 entry matches (secret rotation)', () => {
    const old = signTurboTenant('the-previous-secret', TS, BODY);
    const header = (value: string) => ({ 'X-TurboTenant-Timestamp': String(TS), 'X-TurboTenant-Signature': value });
    expect(verify(header(`v1=${old},v1=${hexOf(good)}`))).toEqual({ valid: true });
    expect(verify(header(`v1=${hexOf(good)}, v1=${old}`))).toEqual({ valid: true });
    expect(verify(header(`v2=abc, v1=${hexOf(good)}`))).toEqual({ valid: true });
    expect(verify(header(`v1=${old}`), { secret: 'the-previous-secret' })).toEqual({ valid: true });
  });

  const sig = good['X-TurboTenant-Signature']!;
  const ts = String(TS);
  const flipped = `v1=${hexOf(good).slice(0, -1)}${hexOf(good).endsWith('0') ? '1' : '0'}`;

  it.each<[string, Record<string, string>, { body?: string; secret?: string; now?: number }, string]>([
    ['a forged signature', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': `v1=${'ab'.repeat(32)}` }, {}, 'signature mismatch'],
    ['one hex digit changed', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': flipped }, {}, 'signature mismatch'],
    ['a tampered body', good, { body: BODY.replace('PROP_1001', 'PROP_1002') }, 'signature mismatch'],
    ['another secret', good, { secret: 'not-the-secret' }, 'signature mismatch'],
    ['a timestamp changed after signing', { 'X-TurboTenant-Timestamp': String(TS + 1), 'X-TurboTenant-Signature': sig }, {}, 'signature mismatch'],
    ['a stale replay (6 minutes old)', good, { now: (TS + 360) * 1000 }, 'timestamp older than 5 minutes'],
    ['a future timestamp (6 minutes ahead)', good, { now: (TS - 360) * 1000 }, 'timestamp more than 5 minutes ahead'],
    ['no signature header', { 'X-TurboTenant-Timestamp': ts }, {}, 'no X-TurboTenant-Signature header'],
    ['an empty signature header', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': ' ' }, {}, 'no X-TurboTenant-Signature header'],
    ['no timestamp header', { 'X-TurboTenant-Signature': sig }, {}, 'no X-TurboTenant-Timestamp header'],
    ['a timestamp in milliseconds', { 'X-TurboTenant-Timestamp': String(TS * 1000), 'X-TurboTenant-Signature': sig }, {}, 'timestamp is in milliseconds; the contract says unix seconds'],
    ['an ISO timestamp', { 'X-TurboTenant-Timestamp': '2025-10-12T21:53:20Z', 'X-TurboTenant-Signature': sig }, {}, 'timestamp is not unix seconds'],
    ['a bare hex signature without v1=', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': hexOf(good) }, {}, 'malformed X-TurboTenant-Signature header (expected v1=<hex>)'],
    ['the wrong algorithm prefix (sha256=)', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': `sha256=${hexOf(good)}` }, {}, 'no v1 signature (got sha256)'],
    ['a v0 prefix', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': `v0=${hexOf(good)}` }, {}, 'no v1 signature (got v0)'],
    ['a truncated signature', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': sig.slice(0, 40) }, {}, 'v1 signature is not 64 hex characters'],
    ['a base64 signature', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': `v1=${Buffer.from(hexOf(good), 'hex').toString('base64')}` }, {}, 'v1 signature is not 64 hex characters'],
    ['an empty v1 entry', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': 'v1=' }, {}, 'v1 signature is not 64 hex characters'],
    ['dozens of entries', { 'X-TurboTenant-Timestamp': ts, 'X-TurboTenant-Signature': Array(20).fill(sig).join(',') }, {}, 'more than 8 signature entries'],
    ['no secret configured on our side', good, { secret: '' }, 'no signing secret configured'],
  ])('refuses %s', (_name, headers, options, reason) => {
    expect(verify(headers, options)).toEqual({ valid: false, reason });
  });
});
