/**
 * HubSpot's daily API limit through the local stack (issue 13 §3): once the portal's day is spent,
 * leads wait for midnight in the portal's time zone instead of spending their attempts, every
 * environment holds its calls, and `npm run sync -- status` says until when.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import type { LocalStack } from '../../lib/local/stack.js';
import { startQuietStack } from './support/quiet-stack.js';
import { stackApi, type Json } from './support/stack-api.js';
import { runSyncCli } from './support/sync-cli.js';

let stack: LocalStack;
let sandbox: HubSpotSandbox;
const api = stackApi(() => stack.apiUrl);
const DAILY = 5_000;

beforeAll(async () => {
  stack = await startQuietStack();
  sandbox = stack.hubspot.sandbox!;
  sandbox.setRateLimit({ ...sandbox.rateLimitUsage(), daily: DAILY });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function postLead(email: string): Promise<string> {
  const response = await api('POST', '/leads', { email, firstName: 'Day', lastName: 'Limit', source: 'website' });
  expect(response.status).toBe(202);
  return response.body.leadId as string;
}

const lead = async (leadId: string): Promise<Json> => (await api('GET', `/leads/${leadId}`)).body;

const printedStatus = () => runSyncCli(stack.apiUrl, ['status']);

describe('the portal\'s daily API limit', () => {
  it('holds leads until midnight in the portal\'s time zone without spending their attempts, and status says so', async () => {
    // Prepare: the flow has run (the portal and its time zone are known); then the day is spent.
    const first = await postLead(`day-first-${Date.now()}@example.com`);
    await expect.poll(async () => (await lead(first)).hubspot?.syncStatus, { timeout: 30_000, interval: 250 }).toBe('SYNCED');
    const before = await printedStatus();
    sandbox.setDailyUsed(DAILY);
    const refusedBefore = sandbox.requests().filter((r) => r.status === 429).length;

    // Act: leads keep coming.
    const held = await Promise.all([1, 2, 3].map((i) => postLead(`day-held-${i}-${Date.now()}@example.com`)));

    // Assess: HubSpot said the day is over; after that nothing more is asked of it, and each lead
    // waits (PENDING, no attempt spent) instead of running towards FAILED and the DLQ.
    await expect.poll(() => sandbox.requests().filter((r) => r.status === 429).length - refusedBefore, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const calls = sandbox.requests().length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(sandbox.requests().length).toBe(calls);
    expect(sandbox.requests().filter((r) => r.status === 429).length - refusedBefore).toBeLessThanOrEqual(5);
    for (const leadId of held) expect((await lead(leadId)).hubspot).toMatchObject({ syncStatus: 'PENDING', attempts: 0 });

    const resetsAt = sandbox.rateLimitUsage().resetsAt;
    const after = await printedStatus();
    expect(before.lines).toContainEqual(expect.stringMatching(new RegExp(`^HubSpot API daily quota: \\d+ of ${DAILY} remaining`)));
    expect(after.lines).toContain(`HubSpot API daily quota: SPENT of ${DAILY}; HubSpot work waits until ${resetsAt}`);
  }, 120_000);
});
