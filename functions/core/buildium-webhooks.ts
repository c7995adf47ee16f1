/** Buildium webhook events (document, "Webhooks"): which records an event names. */
import { z } from 'zod';
import type { ListKind } from './buildium-messages.js';

export const BuildiumWebhookEventSchema = z
  .looseObject({
    EventName: z.string().min(1).max(200),
    EventDateTime: z.string().max(100).optional(),
    AccountId: z.number().int().optional(),
    PropertyId: z.number().int().positive().optional(),
    UnitId: z.number().int().positive().optional(),
    LeaseId: z.number().int().positive().optional(),
    TenantId: z.number().int().positive().optional(),
  })
  .refine((e) => e.PropertyId !== undefined || e.UnitId !== undefined || e.LeaseId !== undefined || e.TenantId !== undefined, {
    message: 'names no PropertyId, UnitId, LeaseId or TenantId',
    path: ['EventName'],
  });
export type BuildiumWebhookEvent = z.infer<typeof BuildiumWebhookEventSchema>;

/** The records a webhook event names; none for deletions (HubSpot keeps its records, as the seed never deletes). */
export function webhookRefs(event: BuildiumWebhookEvent): { list: ListKind; id: number }[] {
  if (/\.Deleted$/i.test(event.EventName)) return [];
  const refs: { list: ListKind; id: number }[] = [];
  if (event.TenantId) refs.push({ list: 'tenants', id: event.TenantId });
  if (event.LeaseId) refs.push({ list: 'leases', id: event.LeaseId });
  if (event.UnitId) refs.push({ list: 'units', id: event.UnitId });
  if (event.PropertyId && !event.UnitId) refs.push({ list: 'rentals', id: event.PropertyId });
  return refs;
}
