/**
 * HubSpotObjectsAdapter (connectors/hubspot/objects.ts) over a scripted HubSpot: a batch HubSpot
 * refuses as a whole for one bad input is split until that input stands alone; it comes back
 * refused with HubSpot's message and every other input is written. A conflict is retried as a
 * whole, never split or failed.
 */
import { describe, expect, it } from 'vitest';
import type { HubSpotClient, HubSpotResponse } from '../../functions/connectors/hubspot/client.js';
import { HubSpotObjectsAdapter } from '../../functions/connectors/hubspot/objects.js';
import { ConflictError, PermanentError, RetryableError } from '../../functions/core/errors.js';

interface Input {
  id?: string;
  properties?: Record<string, string>;
  from?: { id: string };
  to?: { id: string };
}

/** HubSpot as the batch endpoints answer: `refuse` decides whether one input fails the whole call (400). */
class ScriptedHubSpot {
  readonly calls: Array<{ path: string; inputs: number }> = [];
  constructor(private readonly refuse: (input: Input) => string | undefined) {}

  asClient(): HubSpotClient {
    return { send: (method: string, path: string, body: unknown) => this.send(method, path, body) } as unknown as HubSpotClient;
  }

  private async send(method: string, path: string, body: unknown): Promise<HubSpotResponse> {
    if (method === 'GET') {
      return this.ok({ results: [{ category: 'USER_DEFINED', typeId: 7, label: 'Active tenant', name: 'active_tenant' }] });
    }
    const inputs = (body as { inputs: Input[] }).inputs;
    this.calls.push({ path, inputs: inputs.length });
    for (const input of inputs) {
      const reason = this.refuse(input);
      if (reason) throw new PermanentError(`HubSpot 400: VALIDATION_ERROR: ${reason}`, 400);
    }
    if (path.endsWith('batch/upsert')) return this.ok({ status: 'COMPLETE', results: inputs.map((i, n) => ({ id: `h${n}-${i.id}`, new: true, properties: { email: i.id! } })) });
    if (path.endsWith('batch/update')) return this.ok({ status: 'COMPLETE', results: inputs.map((i) => ({ id: i.id!, properties: {}, updatedAt: '2025-10-12T10:00:00Z' })) });
    return this.ok({ status: 'COMPLETE', results: [] });
  }

  private ok(body: unknown): HubSpotResponse {
    return { status: 200, headers: new Headers(), body, durationMs: 1 } as HubSpotResponse;
  }
}

const emails = (n: number) => Array.from({ length: n }, (_, i) => `tenant${i}@example.com`);
const BAD = 'tenant37@example.com';

describe('HubSpot writes of the Buildium sync', () => {
  it('isolates the one input HubSpot refuses in a batch upsert it refuses as a whole', async () => {
    // Prepare
    const hubspot = new ScriptedHubSpot((i) => (i.id === BAD ? `Email address ${BAD} is invalid` : undefined));
    const objects = new HubSpotObjectsAdapter(hubspot.asClient());
    // Act
    const result = await objects.upsert('contacts', 'email', emails(100).map((key) => ({ key, properties: { firstname: 'T' } })));
    // Assess
    expect(result.written.size).toBe(99);
    expect([...result.rejected]).toEqual([[BAD, `HubSpot 400: VALIDATION_ERROR: Email address ${BAD} is invalid`]]);
    // About 2·log2(100) calls, not 100.
    expect(hubspot.calls.length).toBeLessThanOrEqual(16);
  });

  it('isolates the refused input of a batch update', async () => {
    const hubspot = new ScriptedHubSpot((i) => (i.id === '9' ? 'Property values were not valid' : undefined));
    const objects = new HubSpotObjectsAdapter(hubspot.asClient());
    const result = await objects.update('0-420', Array.from({ length: 20 }, (_, i) => ({ id: String(i), properties: { name: `P${i}` } })));
    expect(result.written.size).toBe(19);
    expect(result.rejected.get('9')).toMatch(/Property values were not valid/);
  });

  it('isolates the refused pair of a batch of labeled associations', async () => {
    const hubspot = new ScriptedHubSpot((i) => (i.to?.id === 'u3' ? 'toObjectId u3 does not exist' : undefined));
    const objects = new HubSpotObjectsAdapter(hubspot.asClient());
    const pairs = Array.from({ length: 10 }, (_, i) => ({ fromId: `c${i}`, toId: `u${i}` }));
    const refused = await objects.associateLabeled('contacts', 'p1_unit', 'active_tenant', pairs);
    expect([...refused.entries()].map(([p, reason]) => [p.toId, reason])).toEqual([['u3', 'HubSpot 400: VALIDATION_ERROR: toObjectId u3 does not exist']]);
  });

  it('retries a conflict as a whole: neither split nor failed', async () => {
    const client = {
      send: async () => {
        throw new ConflictError('HubSpot 409: CONFLICT: Contact already exists', 'hubspot_conflict', 409);
      },
    } as unknown as HubSpotClient;
    const objects = new HubSpotObjectsAdapter(client);
    await expect(objects.upsert('contacts', 'email', emails(4).map((key) => ({ key, properties: {} })))).rejects.toBeInstanceOf(RetryableError);
  });

  it('retries an answer whose CONFLICT error names no input, rather than failing every input', async () => {
    const client = {
      send: async () => ({
        status: 207,
        headers: new Headers(),
        durationMs: 1,
        body: { status: 'COMPLETE', results: [], errors: [{ status: 'error', category: 'CONFLICT', message: 'Another write to this record is in progress' }] },
      }),
    } as unknown as HubSpotClient;
    const objects = new HubSpotObjectsAdapter(client);
    await expect(objects.upsert('contacts', 'email', emails(3).map((key) => ({ key, properties: {} })))).rejects.toBeInstanceOf(RetryableError);
  });
});
