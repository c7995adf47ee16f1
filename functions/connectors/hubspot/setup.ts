/**
 * `npm run sync -- setup hubspot`: creates, idempotently, the portal objects the flows write to.
 * Creating a property that exists answers 409 (CRM Properties API), in which case the existing
 * one is read and only missing enumeration options are added. Re-running changes nothing.
 */
import { z } from 'zod';
import { ConflictError, PermanentError } from '../../core/errors.js';
import { ORIGIN_PROPERTY } from '../../core/contact-mapping.js';
import { propertiesPath } from './api-paths.js';
import type { HubSpotClient } from './client.js';

export interface PropertyDefinition {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly groupName: string;
  readonly type: 'string' | 'enumeration' | 'number' | 'date' | 'datetime';
  readonly fieldType: 'text' | 'textarea' | 'select' | 'number' | 'date';
  readonly options?: readonly { label: string; value: string }[];
  /** HubSpot keeps the value unique per object (and it can key a batch upsert). */
  readonly hasUniqueValue?: boolean;
}

export function contactProperties(platformSource: string): PropertyDefinition[] {
  const origins = [...new Set([platformSource, 'hubspot', 'buildium', 'turbotenant', 'manual'])];
  return [
    {
      name: ORIGIN_PROPERTY,
      label: 'Lead source system',
      description: 'The system that created this contact; written by crm-sync to prevent sync loops.',
      groupName: 'contactinformation',
      type: 'enumeration',
      fieldType: 'select',
      options: origins.map((value) => ({ label: value, value })),
    },
    // Seed 000's table: the TurboTenant columns HubSpot has no standard property for (email,
    // phone, names, address, city, state and zip are standard).
    ...TURBOTENANT_CONTACT_PROPERTIES.map(([name, label, type]) => ({
      name,
      label,
      description: `TurboTenant: ${label.toLowerCase()} (written by crm-sync).`,
      groupName: 'contactinformation',
      type,
      fieldType: type === 'number' ? ('number' as const) : type === 'date' ? ('date' as const) : ('text' as const),
    })),
  ];
}

/** The deal properties the TurboTenant flow writes: its key, unique so a deal is never made twice. */
export function dealProperties(): PropertyDefinition[] {
  return [
    {
      name: 'turbotenant_property_id',
      label: 'TurboTenant property ID',
      description: 'The TurboTenant property this deal is; crm-sync upserts deals by it.',
      groupName: 'dealinformation',
      type: 'string',
      fieldType: 'text',
      hasUniqueValue: true,
    },
  ];
}

const TURBOTENANT_CONTACT_PROPERTIES: ReadonlyArray<readonly [string, string, PropertyDefinition['type']]> = [
  ['property_title', 'Property title', 'string'],
  ['property_type', 'Property type', 'string'],
  ['monthly_rent', 'Monthly rent', 'number'],
  ['lead_source', 'Lead source', 'string'],
  ['utm_medium', 'UTM medium', 'string'],
  ['utm_campaign', 'UTM campaign', 'string'],
  ['created_date', 'Created date', 'date'],
  ['platform_source', 'Platform source', 'string'],
  ['managed_by', 'Managed by', 'string'],
  ['created_by', 'Created by', 'string'],
];

const ExistingProperty = z.object({
  name: z.string(),
  options: z.array(z.object({ value: z.string(), label: z.string().optional() })).optional(),
});

/**
 * Creating what exists answers 409: the client throws it as a ConflictError (retryable for data
 * writes); a PermanentError with 409 is accepted too, from clients that classify it so.
 */
export function isAlreadyThere(error: unknown): boolean {
  return (error instanceof ConflictError || error instanceof PermanentError) && error.status === 409;
}

export type SetupAction = { property: string; action: 'created' | 'updated' | 'unchanged' };

const CALL = { maxWaitMs: 10_000, timeoutMs: 10_000 };

export async function ensureProperties(
  client: HubSpotClient,
  /** contacts, deals, 0-420 (listings) or a custom object's type id. */
  objectType: string,
  definitions: readonly PropertyDefinition[],
): Promise<SetupAction[]> {
  const actions: SetupAction[] = [];
  for (const definition of definitions) {
    const body = {
      ...definition,
      options: definition.options?.map((option, displayOrder) => ({ ...option, displayOrder, hidden: false })),
    };
    try {
      await client.send('POST', propertiesPath(objectType), body, CALL);
      actions.push({ property: definition.name, action: 'created' });
      continue;
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
    }
    const existing = ExistingProperty.parse(
      (await client.send('GET', propertiesPath(objectType, definition.name), undefined, CALL)).body,
    );
    const have = new Set((existing.options ?? []).map((o) => o.value));
    const missing = (definition.options ?? []).filter((o) => !have.has(o.value));
    if (missing.length === 0) {
      actions.push({ property: definition.name, action: 'unchanged' });
      continue;
    }
    const options = [...(existing.options ?? []), ...missing].map((option, displayOrder) => ({
      label: option.label ?? option.value,
      value: option.value,
      displayOrder,
      hidden: false,
    }));
    await client.send('PATCH', propertiesPath(objectType, definition.name), { options }, CALL);
    actions.push({ property: definition.name, action: 'updated' });
  }
  return actions;
}
