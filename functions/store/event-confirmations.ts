/**
 * TurboTenant event confirmations (seed 000 "Response / Sync Confirmation") in the sync-state
 * table: one item per event id, `pending` when accepted, then `success` with the HubSpot ids or
 * `error` with the reason. The item also makes the same `event_id` a no-op the second time: it is
 * written only if absent, and a settled event is never settled again. Kept 30 days.
 */
import { batchGetAll } from './batch.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { EventResult } from '../core/turbotenant-sync.js';

const TTL_SECONDS = 30 * 24 * 3600;
const SK = 'turbotenant-event';
const key = (eventId: string) => ({ pk: `turbotenant-event#${eventId}`, sk: SK });
/** A settlement of an event whose pending record is missing still makes a whole, expiring record. */
const KEEP = 'eventId = :e, acceptedAt = if_not_exists(acceptedAt, :now), expiresAt = if_not_exists(expiresAt, :exp)';

const ConfirmationItem = z.object({
  eventId: z.string(),
  status: z.enum(['pending', 'success', 'error']),
  hubspotContactId: z.string().optional(),
  hubspotDealId: z.string().optional(),
  propertyId: z.string().optional(),
  syncedAt: z.string().optional(),
  message: z.string().optional(),
  parked: z.boolean().optional(),
  acceptedAt: z.string(),
});
export type Confirmation = z.infer<typeof ConfirmationItem>;

/** The confirmation as `GET /events/turbotenant/{eventId}` shows it (seed 000). */
export function confirmationView(item: Confirmation) {
  if (item.status === 'success') {
    return { status: 'success', hubspot_contact_id: item.hubspotContactId, hubspot_deal_id: item.hubspotDealId, property_id: item.propertyId, synced_at: item.syncedAt };
  }
  if (item.status === 'error') return { status: 'error', message: item.message };
  return { status: 'pending', event_id: item.eventId };
}

export class DynamoEventConfirmations {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a newly accepted event as pending; 'known' when this event id was accepted before. */
  async accept(eventId: string): Promise<'new' | 'known'> {
    const at = this.now();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(eventId), eventId, status: 'pending', acceptedAt: at.toISOString(), expiresAt: Math.floor(at.getTime() / 1000) + TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'new';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'known';
      throw error;
    }
  }

  async get(eventId: string): Promise<Confirmation | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(eventId), ConsistentRead: true }));
    return Item ? ConfirmationItem.parse(Item) : undefined;
  }

  /** The events among these already settled (success or error): a redelivery has no second effect. */
  async settled(eventIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const item of await batchGetAll(this.db, this.tableName, [...new Set(eventIds)].map(key))) {
      // A parked error (retries ran out) is not final: a DLQ redrive may still settle the event.
      if (item.status !== 'pending' && item.parked !== true) out.add(String(item.eventId));
    }
    return out;
  }

  /** Settles events once: a confirmation already settled is left as it is. */
  async record(results: ReadonlyMap<string, EventResult>): Promise<void> {
    await Promise.all(
      [...results].map(async ([eventId, result]) => {
        const values =
          result.status === 'success'
            ? { ':s': 'success', ':c': result.hubspotContactId, ':d': result.hubspotDealId, ':p': result.propertyId, ':at': result.syncedAt }
            : { ':s': 'error', ':m': result.message, ':parked': result.parked === true };
        try {
          await this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key(eventId),
              UpdateExpression:
                result.status === 'success'
                  ? `SET #s = :s, hubspotContactId = :c, hubspotDealId = :d, propertyId = :p, syncedAt = :at, ${KEEP} REMOVE parked, message`
                  : `SET #s = :s, message = :m, parked = :parked, ${KEEP}`,
              ConditionExpression: 'attribute_not_exists(#s) OR #s = :pending OR parked = :true',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: {
                ...values,
                ':e': eventId,
                ':pending': 'pending',
                ':true': true,
                ':now': this.now().toISOString(),
                ':exp': Math.floor(this.now().getTime() / 1000) + TTL_SECONDS,
              },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    );
  }
}
