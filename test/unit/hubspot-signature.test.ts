/**
 * HubSpot signatures against the published vectors (`shared/specs/hubspot/SIGNATURES.md`), and
 * every way a forged or replayed request must fail.
 */
import { describe, expect, it } from 'vitest';
import { signV1, signV2, signV3, verifyHubSpotSignature, type SignedRequest } from '../../functions/connectors/hubspot/signature.js';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const BODY_B =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
const URI = 'https://example.com/hubspot/webhook';
const TS = '1700000000000';

function request(headers: Record<string, string>, body: string = BODY_B, uri: string = URI, method = 'POST'): SignedRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, uri, rawBody: Buffer.from(body), header: (name) => lower[name.toLowerCase()] };
}

describe('published vectors', () => {
  it('v1 over body B', () => {
    expect(signV1(SECRET, BODY_B)).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
  });
  it('v2 GET with an empty body, and POST with a body', () => {
    expect(signV2(SECRET, 'GET', 'https://www.example.com/webhook_uri', '')).toBe('eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e');
    expect(signV2(SECRET, 'POST', 'https://www.example.com/webhook_uri', '{"example_field":"example_value"}')).toBe(
      '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900',
    );
  });
  it('v3 POST over body B at 1700000000000', () => {
    expect(signV3(SECRET, 'POST', URI, BODY_B, TS)).toBe('Fqv2t6K7rst3HNu8irTYQdr2fEfq2UGkHkSHHzwKu6Q=');
  });
});

describe('verifyHubSpotSignature', () => {
  const now = Number(TS) + 60_000;
  const v3 = { 'X-HubSpot-Signature-v3': 'Fqv2t6K7rst3HNu8irTYQdr2fEfq2UGkHkSHHzwKu6Q=', 'X-HubSpot-Request-Timestamp': TS };

  it('accepts a valid v3 request (headers in any case)', () => {
    expect(verifyHubSpotSignature(request(v3), { clientSecret: SECRET, now })).toEqual({ valid: true, version: 'v3' });
  });

  it.each([
    ['a tampered body', request(v3, BODY_B.replace('"objectId":123', '"objectId":124'))],
    ['another URI', request(v3, BODY_B, 'https://evil.example.com/hubspot/webhook')],
    ['another method', request(v3, BODY_B, URI, 'PUT')],
    ['a forged signature', request({ ...v3, 'X-HubSpot-Signature-v3': Buffer.alloc(32, 7).toString('base64') })],
    ['a truncated signature', request({ ...v3, 'X-HubSpot-Signature-v3': 'Fqv2t6K7rst3' })],
    ['a timestamp changed after signing', request({ ...v3, 'X-HubSpot-Request-Timestamp': String(Number(TS) + 1) })],
    ['no timestamp', request({ 'X-HubSpot-Signature-v3': v3['X-HubSpot-Signature-v3'] })],
    ['no signature at all', request({})],
  ])('refuses %s', (_name, req) => {
    expect(verifyHubSpotSignature(req, { clientSecret: SECRET, now }).valid).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    expect(verifyHubSpotSignature(request(v3), { clientSecret: 'another-secret', now }).valid).toBe(false);
  });

  it('refuses a replay older than 5 minutes and a timestamp more than 5 minutes ahead', () => {
    expect(verifyHubSpotSignature(request(v3), { clientSecret: SECRET, now: Number(TS) + 5 * 60_000 + 1 })).toEqual({
      valid: false,
      reason: 'timestamp older than 5 minutes',
    });
    expect(verifyHubSpotSignature(request(v3), { clientSecret: SECRET, now: Number(TS) - 5 * 60_000 - 1 })).toEqual({
      valid: false,
      reason: 'timestamp more than 5 minutes ahead',
    });
    expect(verifyHubSpotSignature(request(v3), { clientSecret: SECRET, now: Number(TS) + 5 * 60_000 }).valid).toBe(true);
  });

  it('hashes the URI with the escapes HubSpot decodes', () => {
    const uri = 'https://example.com/hubspot/webhook?portal=a%3Ab%40c';
    const signature = signV3(SECRET, 'POST', 'https://example.com/hubspot/webhook?portal=a:b@c', BODY_B, TS);
    const req = request({ 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': TS }, BODY_B, uri);
    expect(verifyHubSpotSignature(req, { clientSecret: SECRET, now }).valid).toBe(true);
  });

  it('accepts v1 and v2 only when legacy signatures are enabled', () => {
    const v1 = request({ 'X-HubSpot-Signature': signV1(SECRET, BODY_B), 'X-HubSpot-Signature-Version': 'v1' });
    const v2 = request({ 'X-HubSpot-Signature': signV2(SECRET, 'POST', URI, BODY_B), 'X-HubSpot-Signature-Version': 'v2' });
    expect(verifyHubSpotSignature(v1, { clientSecret: SECRET, now }).valid).toBe(false);
    expect(verifyHubSpotSignature(v1, { clientSecret: SECRET, now, acceptLegacy: true })).toEqual({ valid: true, version: 'v1' });
    expect(verifyHubSpotSignature(v2, { clientSecret: SECRET, now, acceptLegacy: true })).toEqual({ valid: true, version: 'v2' });
    const wrongVersion = request({ 'X-HubSpot-Signature': signV1(SECRET, BODY_B), 'X-HubSpot-Signature-Version': 'v2' });
    expect(verifyHubSpotSignature(wrongVersion, { clientSecret: SECRET, now, acceptLegacy: true }).valid).toBe(false);
    const unknown = request({ 'X-HubSpot-Signature': signV1(SECRET, BODY_B), 'X-HubSpot-Signature-Version': 'v9' });
    expect(verifyHubSpotSignature(unknown, { clientSecret: SECRET, now, acceptLegacy: true }).valid).toBe(false);
  });

  it('prefers v3 when a delivery carries both v3 and v1 headers, as HubSpot webhook deliveries do', () => {
    const both = request({ ...v3, 'X-HubSpot-Signature': 'not-checked', 'X-HubSpot-Signature-Version': 'v1' });
    expect(verifyHubSpotSignature(both, { clientSecret: SECRET, now })).toEqual({ valid: true, version: 'v3' });
  });
});
