/**
 * The Buildium sync's configuration that changes without a deploy (seed 002 §4.2 `field_mappings`
 * and `sync_config`; §5.2 conflict resolution): field-mapping overrides, the conflict strategy and
 * the per-field rules of `merge_fields`. Stored in the sync-state table, validated with zod on the
 * way in (`PUT /sync/buildium/config`) and on the way out; read by the consumer for every message.
 */
import { z } from 'zod';
import { FieldMappingOverridesSchema, type FieldMappingOverride } from './buildium-mapping.js';

/** Seed 002 §5.2: who wins when Buildium and HubSpot both changed a field. The one list of them. */
export const CONFLICT_STRATEGIES = ['buildium_wins', 'hubspot_wins', 'manual_review', 'merge_fields'] as const;
export type ConflictStrategy = (typeof CONFLICT_STRATEGIES)[number];
export const ConflictStrategySchema = z.enum(CONFLICT_STRATEGIES);

/** Configuration applied without a deploy (stored in the sync-state table, validated with zod). */
export interface SyncConfig {
  readonly overrides: readonly FieldMappingOverride[];
  readonly conflictStrategy: ConflictStrategy;
  /** merge_fields: per HubSpot property, who wins when both sides changed it (default `source`). */
  readonly mergeFields: Readonly<Record<string, 'source' | 'target'>>;
}

export const SyncConfigSchema = z.strictObject({
  overrides: FieldMappingOverridesSchema.default([]),
  conflictStrategy: ConflictStrategySchema.optional(),
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
