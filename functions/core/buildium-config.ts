/**
 * The Buildium sync's configuration that changes without a deploy (seed 002 §4.2 `field_mappings`
 * and `sync_config`; §5.2 conflict resolution): field-mapping overrides, the conflict strategy and
 * the per-field rules of `merge_fields`. Stored in the sync-state table, validated with zod on the
 * way in (`PUT /sync/buildium/config`) and on the way out; read by the consumer for every message.
 */
import { z } from 'zod';
import { FieldMappingOverridesSchema } from './buildium-mapping.js';
import type { ConflictStrategy, SyncConfig } from './buildium-records.js';

export const CONFLICT_STRATEGIES = ['buildium_wins', 'hubspot_wins', 'manual_review', 'merge_fields'] as const satisfies readonly ConflictStrategy[];

export const SyncConfigSchema = z.strictObject({
  overrides: FieldMappingOverridesSchema.default([]),
  conflictStrategy: z.enum(CONFLICT_STRATEGIES).optional(),
  mergeFields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, { message: 'must be a HubSpot property name' }), z.enum(['source', 'target'])).default({}),
});
export type StoredSyncConfig = z.infer<typeof SyncConfigSchema>;

/** The stored configuration over the environment's default strategy. */
export function effectiveConfig(stored: StoredSyncConfig | undefined, defaultStrategy: ConflictStrategy): SyncConfig {
  return {
    overrides: stored?.overrides ?? [],
    conflictStrategy: stored?.conflictStrategy ?? defaultStrategy,
    mergeFields: stored?.mergeFields ?? {},
  };
}
