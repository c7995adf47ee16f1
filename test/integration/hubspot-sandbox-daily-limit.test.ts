/**
 * The HubSpot sandbox's daily API limit (lib/local/sandboxes/hubspot/rate-limit.ts): the private
 * app's requests count down X-HubSpot-RateLimit-Daily-Remaining; once the day is spent every
 * request answers 429 `policyName: DAILY` and changes nothing, until midnight in the account's time
 * zone (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
 * The sandbox's rate-limit clock is a variable here, so a test crosses midnight without waiting.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DAILY_LIMIT } from '../../lib/local/sandboxes/hubspot/index.js';
import { SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET } from '../../lib/local/sandboxes/hubspot/oauth.js';
import { useHubSpotSandbox } from './support/hubspot-sandbox.js';

const TOKEN = 'pat-na1-daily-limit';
const CONTACTS = '/crm/v3/objects/contacts';
const UPSERT = `${CONTACTS}/batch/upsert`;
const TIME_ZONE = 'America/New_York';
/** 18:30 on 14 January in New York (EST, UTC−5): its midnight is 05:00Z, five and a half hours on. */
const EVENING_IN_NEW_YORK = Date.parse('2026-01-14T23:30:00Z');

let clockMs = EVENING_IN_NEW_YORK;
const hub = useHubSpotSandbox(TOKEN, { timeZone: TIME_ZONE, rateLimitClock: () => clockMs });
const { api } = hub;

beforeEach(() => {
  clockMs = EVENING_IN_NEW_YORK;
});

const upsert = (email: string) => api('POST', UPSERT, { inputs: [{ id: email, idProperty: 'email', properties: { email } }] });
const emails = () => hub.sandbox.contacts().map((c) => c.properties.email);
const dailyHeaders = (res: { headers: Headers }) => [res.headers.get('x-hubspot-ratelimit-daily'), res.headers.get('x-hubspot-ratelimit-daily-remaining')];

describe('the HubSpot sandbox daily limit', () => {
  it('counts down Daily-Remaining with each request of the private app', async () => {
    // Prepare
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000, daily: 5 });

    // Act
    const answers = [await api('GET', CONTACTS), await upsert('one@example.com'), await api('GET', CONTACTS)];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map(dailyHeaders)).toEqual([
      ['5', '4'],
      ['5', '3'],
      ['5', '2'],
    ]);
    expect(hub.sandbox.rateLimitUsage()).toMatchObject({ daily: 5, dailyUsed: 3, day: '2026-01-14', timeZone: TIME_ZONE });
  });

  it('once the day is spent, answers every request 429 DAILY with Daily-Remaining 0, applies nothing and counts nothing', async () => {
    // Prepare
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000, daily: 250_000 });
    await api('GET', CONTACTS);
    hub.sandbox.setDailyUsed(250_000);

    // Act
    const refusedWrite = await upsert('too.late@example.com');
    const refusedRead = await api('GET', CONTACTS);

    // Assess
    for (const refused of [refusedWrite, refusedRead]) {
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        policyName: 'DAILY',
        groupName: expect.stringMatching(/^publicapi:private-app:/),
      });
      expect(dailyHeaders(refused)).toEqual(['250000', '0']);
      // The ten-secondly window did not count the refusals either: one request (the first GET) in it.
      expect(refused.headers.get('x-hubspot-ratelimit-remaining')).toBe('99');
    }
    expect(emails()).not.toContain('too.late@example.com');
    expect(hub.sandbox.rateLimitUsage().dailyUsed).toBe(250_000);
    expect(hub.sandbox.requests().slice(-2).map((r) => [r.path, r.status])).toEqual([
      [UPSERT, 429],
      [CONTACTS, 429],
    ]);
  });

  it('answers the ten-secondly 429 with TEN_SECONDLY_ROLLING, which does not count against the day', async () => {
    // Prepare
    hub.sandbox.setRateLimit({ max: 2, intervalMs: 10_000, daily: 10 });

    // Act
    const answers = [await api('GET', CONTACTS), await api('GET', CONTACTS), await api('GET', CONTACTS)];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(dailyHeaders(answers[2]!)).toEqual(['10', '8']);
    expect(answers[2]!.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
  });

  it("starts a new day at midnight in the account's time zone, not at midnight UTC", async () => {
    // Prepare
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000, daily: 3 });
    const details = await api('GET', '/account-info/2026-03/details');
    hub.sandbox.setDailyUsed(3);
    const before = hub.sandbox.rateLimitUsage();

    // Act
    clockMs = Date.parse('2026-01-15T00:30:00Z'); // a new day in UTC, 19:30 in New York
    const afterUtcMidnight = await api('GET', CONTACTS);
    clockMs = Date.parse('2026-01-15T04:59:59.999Z'); // 23:59:59.999 in New York
    const lastMoment = await api('GET', CONTACTS);
    clockMs = Date.parse('2026-01-15T05:00:00Z'); // midnight in New York
    const newDay = await upsert('next.day@example.com');

    // Assess
    expect(details.body.timeZone).toBe(TIME_ZONE);
    expect(before).toMatchObject({ day: '2026-01-14', dailyUsed: 3, resetsAt: '2026-01-15T05:00:00.000Z' });
    expect([afterUtcMidnight.status, afterUtcMidnight.body.policyName]).toEqual([429, 'DAILY']);
    expect([lastMoment.status, lastMoment.body.policyName]).toEqual([429, 'DAILY']);
    expect(newDay.status).toBe(200);
    expect(dailyHeaders(newDay)).toEqual(['3', '2']);
    expect(emails()).toContain('next.day@example.com');
    expect(hub.sandbox.rateLimitUsage()).toMatchObject({ day: '2026-01-15', dailyUsed: 1, resetsAt: '2026-01-16T05:00:00.000Z' });
  });

  it('follows daylight saving time: in July the day turns at 04:00 UTC', async () => {
    // Prepare
    clockMs = Date.parse('2026-07-01T22:00:00Z'); // 18:00 EDT
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000, daily: 1 });
    hub.sandbox.setDailyUsed(1);

    // Act
    const usage = hub.sandbox.rateLimitUsage();
    clockMs = Date.parse('2026-07-02T03:59:59Z');
    const before = await api('GET', CONTACTS);
    clockMs = Date.parse('2026-07-02T04:00:00Z');
    const after = await api('GET', CONTACTS);

    // Assess
    expect(usage).toMatchObject({ day: '2026-07-01', resetsAt: '2026-07-02T04:00:00.000Z' });
    expect([before.status, after.status]).toEqual([429, 200]);
  });

  it("does not limit an OAuth app's requests by the day, nor send them daily headers", async () => {
    // Prepare
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000, daily: 1 });
    hub.sandbox.setDailyUsed(1);
    const oauthToken = await installOAuthApp(hub.sandbox.url);

    // Act
    const privateApp = await api('GET', CONTACTS);
    const oauthApp = await api('GET', CONTACTS, undefined, oauthToken);

    // Assess
    expect([privateApp.status, privateApp.body.policyName]).toEqual([429, 'DAILY']);
    expect(oauthApp.status).toBe(200);
    expect(dailyHeaders(oauthApp)).toEqual([null, null]);
    expect(oauthApp.headers.get('x-hubspot-ratelimit-remaining')).toBe('99');
    expect(hub.sandbox.rateLimitUsage().dailyUsed).toBe(1);
  });

  it('keeps the default daily limit when a rate limit leaves it out, and reset gives the day back', async () => {
    // Prepare
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000, daily: 2 });
    hub.sandbox.setRateLimit({ max: 100, intervalMs: 10_000 });
    hub.sandbox.setDailyUsed(DAILY_LIMIT);
    const spent = await api('GET', CONTACTS);

    // Act
    hub.sandbox.reset();
    const afterReset = await api('GET', CONTACTS);

    // Assess
    expect([spent.status, ...dailyHeaders(spent)]).toEqual([429, String(DAILY_LIMIT), '0']);
    expect([afterReset.status, ...dailyHeaders(afterReset)]).toEqual([200, String(DAILY_LIMIT), String(DAILY_LIMIT - 1)]);
  });
});

describe('the daily limit over the HTTP controls, on the default account (US/Eastern, real clock)', () => {
  const own = useHubSpotSandbox(TOKEN);
  const control = (method: string, path: string, body?: unknown) => own.api(method, `/__sandbox/rate-limit${path}`, body, null);

  it('sets the daily limit and the day\'s count, shows them, and moves the clock past midnight', async () => {
    // Act
    const set = await control('PUT', '', { max: 100, intervalMs: 10_000, daily: 4 });
    const used = await control('PUT', '/daily-used', { used: 4 });
    const refused = await own.api('GET', CONTACTS);
    const shown = await control('GET', '');
    const untilMidnight = Math.ceil((Date.parse(shown.body.resetsAt) - Date.parse(shown.body.now)) / 1000);
    const moved = await control('POST', '/clock', { advanceSeconds: untilMidnight });
    const nextDay = await own.api('GET', CONTACTS);
    const badUsed = await control('PUT', '/daily-used', { used: -1 });
    const badDaily = await control('PUT', '', { max: 100, intervalMs: 10_000, daily: 1.5 });

    // Assess
    expect([set.status, set.body.daily, used.status, used.body.dailyUsed]).toEqual([200, 4, 200, 4]);
    expect([refused.status, refused.body.policyName, ...dailyHeaders(refused)]).toEqual([429, 'DAILY', '4', '0']);
    expect(shown.body).toMatchObject({ max: 100, intervalMs: 10_000, daily: 4, dailyUsed: 4, timeZone: 'US/Eastern' });
    expect(new Date(shown.body.resetsAt).toLocaleTimeString('en-US', { timeZone: 'America/New_York', hourCycle: 'h23' })).toBe('00:00:00');
    expect(untilMidnight).toBeGreaterThan(0);
    expect(untilMidnight).toBeLessThanOrEqual(25 * 3600);
    expect(moved.body.day).not.toBe(shown.body.day);
    expect([nextDay.status, ...dailyHeaders(nextDay)]).toEqual([200, '4', '3']);
    expect([badUsed.status, badDaily.status]).toEqual([400, 400]);
  });
});

/** Installs the sandbox's OAuth app (authorize, then the code for a token) and answers its access token. */
async function installOAuthApp(baseUrl: string): Promise<string> {
  const redirectUri = 'http://127.0.0.1:9/oauth/callback';
  const query = new URLSearchParams({ client_id: SANDBOX_OAUTH_CLIENT_ID, scope: 'oauth crm.objects.contacts.read', redirect_uri: redirectUri });
  const consent = await fetch(`${baseUrl}/oauth/authorize?${query}`, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: SANDBOX_OAUTH_CLIENT_ID, client_secret: SANDBOX_OAUTH_CLIENT_SECRET, redirect_uri: redirectUri, code });
  const token = await fetch(`${baseUrl}/oauth/2026-03/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const { access_token } = (await token.json()) as { access_token: string };
  return access_token;
}
