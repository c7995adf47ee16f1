/**
 * The messages of each SQS queue, one schema a queue: its writers build bodies of the schema's
 * type and its consumer parses every record with it (sqs-consumer.ts), so the two cannot drift.
 *
 * Two of them are defined next to the code that owns their shape and only named here: the
 * hubspot-events message embeds HubSpot's own event schema (connectors/hubspot/webhook-events.ts),
 * and the buildium-sync message is the job core's protocol (core/buildium-jobs.ts).
 */
import { z } from 'zod';
import type { TurboTenantEvent } from '../core/turbotenant-sync.js';

export { HubSpotEventsMessageSchema, type HubSpotEventsMessage } from '../connectors/hubspot/webhook-events.js';
export { SyncMessageSchema as BuildiumSyncMessageSchema, type SyncMessage as BuildiumSyncMessage } from '../core/buildium-jobs.js';

/** lead-sync: a lead to write to HubSpot, named by id (the consumer reads the lead as it is then). */
export const LeadMessageSchema = z.object({ leadId: z.string().min(1) });
export type LeadMessage = z.infer<typeof LeadMessageSchema>;

const optional = z.string().optional();

/** turbotenant-events: an accepted TurboTenant event, as the sync core sees it (camel case). */
export const TurboTenantEventsMessageSchema = z.object({
  event: z.object({
    eventId: z.string().min(1),
    type: z.enum(['property_created', 'property_updated', 'lead_created']),
    occurredAt: z.string(),
    landlordId: z.string().min(1),
    propertyId: z.string().min(1),
    lead: z.object({ id: z.string(), email: z.string(), first_name: optional, last_name: optional, phone: optional, message: optional }).optional(),
    metadata: z.object({ utm_source: optional, utm_medium: optional, utm_campaign: optional, platform_source: optional, managed_by: optional, created_by: optional }),
  }),
}) satisfies z.ZodType<{ event: TurboTenantEvent }>;
export type TurboTenantEventsMessage = z.infer<typeof TurboTenantEventsMessageSchema>;
