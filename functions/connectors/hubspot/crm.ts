/**
 * The HubSpot CRM as the TurboTenant sync needs it (`HubSpotCrm` in core/turbotenant-sync.ts):
 * contacts upserted by email, deals upserted by their unique `turbotenant_property_id` (so a
 * property's deal is created once, whatever races or retries happen), and default contact ↔ deal
 * associations; each at most 100 per call, counted for the benchmark.
 *
 * Each call is one request within the limits the core gives it (the invocation's deadline). A batch
 * HubSpot refuses as a whole is thrown as PermanentError for the core to split
 * (core/isolate-refusals.ts); inputs HubSpot refuses one by one come back in `rejected`.
 */
import { PermanentError } from '../../core/errors.js';
import type { ContactInput } from '../../core/ports.js';
import type { CallLimits, HubSpotCrm } from '../../core/turbotenant-sync.js';
import { objectsPath } from './api-paths.js';
import { describeError, HUBSPOT_BATCH_MAX, parseAnswer, type HubSpotClient } from './client.js';
import { associateContactsWithDeals } from './deals.js';
import { BatchUpsertResponseSchema } from './schemas.js';

/** The deal property that keys a TurboTenant property's deal (created unique by `setup hubspot`). */
export const DEAL_KEY_PROPERTY = 'turbotenant_property_id';

export class HubSpotCrmAdapter implements HubSpotCrm {
  calls = 0;

  constructor(
    private readonly client: HubSpotClient,
    private readonly options: { maxWaitMs: number; timeoutMs: number } = { maxWaitMs: 10_000, timeoutMs: 10_000 },
  ) {}

  async upsertContacts(inputs: readonly ContactInput[], limits: CallLimits = this.options): Promise<{ ids: Map<string, string>; rejected: Map<string, string> }> {
    if (inputs.length === 0) return { ids: new Map(), rejected: new Map() };
    this.calls += 1;
    const result = await this.client.upsertByEmail(inputs, limits);
    return { ids: new Map([...result.written].map(([email, { id }]) => [email, id])), rejected: new Map(result.rejected) };
  }

  async upsertDeals(
    inputs: readonly { propertyId: string; properties: Record<string, string> }[],
    limits: CallLimits = this.options,
  ): Promise<{ deals: Map<string, { id: string; created: boolean }>; rejected: Map<string, string> }> {
    const deals = new Map<string, { id: string; created: boolean }>();
    const rejected = new Map<string, string>();
    if (inputs.length === 0) return { deals, rejected };
    if (inputs.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} deals per call, got ${inputs.length}`);
    this.calls += 1;
    const response = await this.client.send(
      'POST',
      objectsPath('deals', 'batch/upsert'),
      { inputs: inputs.map((i) => ({ idProperty: DEAL_KEY_PROPERTY, id: i.propertyId, properties: { ...i.properties, [DEAL_KEY_PROPERTY]: i.propertyId } })) },
      limits,
    );
    const answer = parseAnswer(BatchUpsertResponseSchema, response.body, 'deal upsert response');
    const wanted = new Set(inputs.map((i) => i.propertyId));
    answer.results.forEach((result, index) => {
      const propertyId = result.properties[DEAL_KEY_PROPERTY] ?? (answer.results.length === inputs.length ? inputs[index]?.propertyId : undefined);
      // Only the properties asked for: a deal HubSpot names for another never reaches a mapping.
      if (propertyId && wanted.has(propertyId)) deals.set(propertyId, { id: result.id, created: result.new });
    });
    // A batch answer's errors name the inputs they refused (context.ids). One that names none
    // refuses the one missing input, or, when several are missing, is thrown as a refusal of the
    // batch so the core splits it until the refused one stands alone (the upsert is keyed, so the
    // inputs already written are written again, not duplicated).
    for (const error of answer.errors ?? []) {
      const named = error.context?.ids ?? [];
      const missing = inputs.filter((input) => !deals.has(input.propertyId));
      if (named.length === 0 && missing.length > 1) throw new PermanentError(`HubSpot ${response.status}: ${describeError(error)}`, response.status);
      for (const input of missing) {
        if (named.length === 0 || named.includes(input.propertyId)) rejected.set(input.propertyId, describeError(error));
      }
    }
    for (const input of inputs) if (!deals.has(input.propertyId) && !rejected.has(input.propertyId)) rejected.set(input.propertyId, 'HubSpot returned no result for it');
    return { deals, rejected };
  }

  async associateContactsWithDeals(
    pairs: readonly { contactId: string; dealId: string }[],
    limits: CallLimits = this.options,
  ): Promise<{ rejected: readonly { contactId: string; dealId: string; error: string }[] }> {
    if (pairs.length === 0) return { rejected: [] };
    const result = await associateContactsWithDeals(this.client, pairs, limits);
    this.calls += result.calls;
    return { rejected: result.rejected };
  }
}
