/**
 * Flows on and off through the local stack (issue 15 §5, CONTRACT.md `FLOWS`): a company that uses
 * only Buildium runs only the Buildium flow. The other flows' routes answer the contract's 404 and
 * their schedules do not exist, so the TurboTenant reconcile no longer fails every 15 minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../lib/local/stack.js';
import { startQuietStack } from './support/quiet-stack.js';
import { stackApi } from './support/stack-api.js';

let stack: LocalStack;
const api = stackApi(() => stack.apiUrl);

beforeAll(async () => {
  stack = await startQuietStack({ flows: ['buildium'] });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a stack running only the Buildium flow', () => {
  it('answers the other flows\' routes with the contract\'s 404', async () => {
    for (const [method, path, body] of [
      ['POST', '/leads', { email: 'ana@example.com' }],
      ['POST', '/events/turbotenant', { event_id: 'evt_1' }],
      ['POST', '/webhooks/hubspot', []],
      ['GET', '/integrations/hubspot/webhook-status', undefined],
    ] as const) {
      const answer = await api(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.any(String), details: [] } });
    }
  });

  it('keeps the Buildium routes and only the Buildium schedules', async () => {
    expect((await api('GET', '/sync/buildium/config')).status).toBe(200);
    expect((await api('POST', '/__local/schedules/turbotenant-reconcile')).status).toBe(404);
    expect((await api('POST', '/__local/schedules/lead-reconcile')).status).toBe(404);
    expect(stack.topology.schedules.map((s) => s.id).sort()).toEqual(['buildium-full-reconcile', 'buildium-incremental']);
  });
});
