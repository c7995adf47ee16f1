import { z } from 'zod';
import { validationError } from './errors.js';

const Id = z.union([z.string(), z.number()]).transform(String);
const Value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Properties = z.record(z.string(), Value);

export const CreateInput = z.object({
  properties: Properties,
  associations: z.array(z.unknown()).optional(),
  objectWriteTraceId: z.string().optional(),
});

export const UpdateInput = z.object({ properties: Properties });

/** AssociationSpec: an association type, as v3 creates name it. */
export const AssociationSpecInput = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'INTEGRATOR_DEFINED', 'USER_DEFINED', 'WORK']),
  associationTypeId: z.number().int(),
});

/** PublicAssociationsForObject: a record to associate a new one with, and the types to use. */
export const AssociationForCreateInput = z.object({ to: z.object({ id: Id }), types: z.array(AssociationSpecInput).min(1) });

/** SimplePublicObjectInputForCreate / SimplePublicObjectBatchInputForCreate of the deals API. */
export const DealCreateInput = z.object({
  properties: Properties,
  associations: z.array(AssociationForCreateInput).optional(),
  objectWriteTraceId: z.string().min(1).optional(),
});

export const DealBatchCreateInput = z.object({ inputs: z.array(DealCreateInput) });

/** BatchInputPublicDefaultAssociationMultiPost. */
export const DefaultAssociationBatchInput = z.object({
  inputs: z.array(z.object({ from: z.object({ id: Id }), to: z.object({ id: Id }) })),
});

/** BatchInputPublicAssociationMultiPost (batch/create and batch/labels/archive). */
export const AssociationMultiPostInput = z.object({
  inputs: z.array(z.object({ from: z.object({ id: Id }), to: z.object({ id: Id }), types: z.array(AssociationSpecInput).min(1) })),
});

/** BatchInputPublicAssociationMultiArchive. */
export const AssociationMultiArchiveInput = z.object({
  inputs: z.array(z.object({ from: z.object({ id: Id }), to: z.array(z.object({ id: Id })) })),
});

/** The body of PUT /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}: AssociationSpec[]. */
export const AssociationSpecList = z.array(AssociationSpecInput).min(1);

/** PublicAssociationDefinitionCreateRequest. */
export const LabelCreateInput = z.object({ label: z.string().min(1), name: z.string().min(1), inverseLabel: z.string().min(1).optional() });

/** PublicAssociationDefinitionUpdateRequest. */
export const LabelUpdateInput = z.object({ associationTypeId: z.number().int(), label: z.string().min(1), inverseLabel: z.string().min(1).optional() });

/** BatchInputPublicFetchAssociationsBatchRequest. */
export const AssociationBatchReadInput = z.object({
  inputs: z.array(z.object({ id: Id, after: z.string().optional() })),
});

export const BatchReadInput = z.object({
  inputs: z.array(z.object({ id: Id })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});

export const BatchCreateInput = z.object({ inputs: z.array(CreateInput) });

const BatchWriteItem = z.object({
  id: Id,
  idProperty: z.string().optional(),
  objectWriteTraceId: z.string().optional(),
  properties: Properties,
});

export const BatchUpdateInput = z.object({ inputs: z.array(BatchWriteItem) });
export const BatchUpsertInput = z.object({ inputs: z.array(BatchWriteItem) });
export const BatchArchiveInput = z.object({ inputs: z.array(z.object({ id: Id })) });

/** PublicMergeInput. The spec has string ids; numbers are taken too, as HubSpot's parser does. */
export const MergeInput = z.object({ primaryObjectId: Id, objectIdToMerge: Id });

/** PublicGdprDeleteInput: objectId is the contact's id, or its value of idProperty (e.g. `email`). */
export const GdprDeleteInput = z.object({ objectId: Id, idProperty: z.string().min(1).optional() });

export const FILTER_OPERATORS = [
  'BETWEEN',
  'CONTAINS_TOKEN',
  'EQ',
  'GT',
  'GTE',
  'HAS_PROPERTY',
  'IN',
  'LT',
  'LTE',
  'NEQ',
  'NOT_CONTAINS_TOKEN',
  'NOT_HAS_PROPERTY',
  'NOT_IN',
] as const;

const FilterValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const Filter = z.object({
  propertyName: z.string(),
  operator: z.enum(FILTER_OPERATORS),
  value: FilterValue.optional(),
  highValue: FilterValue.optional(),
  values: z.array(FilterValue).optional(),
});
export type Filter = z.infer<typeof Filter>;

const Sort = z.union([
  z.string(),
  z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);

export const SearchInput = z.object({
  filterGroups: z.array(z.object({ filters: z.array(Filter) })).optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).optional(),
  after: z.union([z.string(), z.number()]).transform(String).optional(),
  sorts: z.array(Sort).optional(),
  query: z.string().max(3000).optional(),
});
export type SearchInput = z.infer<typeof SearchInput>;

const PropertyType = z.enum(['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string']);
const FieldType = z.enum([
  'booleancheckbox',
  'calculation_equation',
  'checkbox',
  'date',
  'file',
  'html',
  'number',
  'phonenumber',
  'radio',
  'select',
  'text',
  'textarea',
]);
const OptionInput = z.object({
  label: z.string(),
  value: z.string(),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().default(false),
});

export const PropertyCreateInput = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  type: PropertyType,
  fieldType: FieldType,
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(OptionInput).optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  externalOptions: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
  dataSensitivity: z.enum(['non_sensitive', 'sensitive', 'highly_sensitive']).optional(),
  textDisplayHint: z.string().optional(),
  numberDisplayHint: z.string().optional(),
  calculationFormula: z.string().optional(),
  currencyPropertyName: z.string().optional(),
  showCurrencySymbol: z.boolean().optional(),
});

/** ObjectTypePropertyCreate: a property of a new custom object type (groupName defaults to `<name>_information`). */
export const ObjectTypePropertyInput = PropertyCreateInput.extend({ groupName: z.string().min(1).optional() });

/** ObjectSchemaEgg. */
export const ObjectSchemaEggInput = z.object({
  name: z.string().min(1),
  labels: z.object({ singular: z.string().min(1).optional(), plural: z.string().min(1).optional() }),
  description: z.string().optional(),
  primaryDisplayProperty: z.string().min(1).optional(),
  requiredProperties: z.array(z.string()),
  searchableProperties: z.array(z.string()).optional(),
  secondaryDisplayProperties: z.array(z.string()).optional(),
  properties: z.array(ObjectTypePropertyInput),
  associatedObjects: z.array(z.string().min(1)),
  allowsSensitiveProperties: z.boolean().optional(),
});

/** ObjectSchemaEgg of 2026-09 (crm-schemas-2026-09.json), which requires three fields v3 left optional. */
export const DatedObjectSchemaEggInput = ObjectSchemaEggInput.extend({
  allowsSensitiveProperties: z.boolean(),
  searchableProperties: z.array(z.string()),
  secondaryDisplayProperties: z.array(z.string()),
});

/** AssociationDefinitionEgg. */
export const AssociationDefinitionEggInput = z.object({
  fromObjectTypeId: z.string().min(1),
  toObjectTypeId: z.string().min(1),
  name: z.string().min(1).optional(),
});

export const PropertyUpdateInput = PropertyCreateInput.omit({
  name: true,
  hasUniqueValue: true,
  externalOptions: true,
  referencedObjectType: true,
  dataSensitivity: true,
}).partial();

export const FaultRuleInput = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  kind: z.enum(['status', 'slow', 'reset', 'rateLimit', 'inputError', 'batchRefusal', 'concurrentWrite']),
  status: z.number().int().optional(),
  delayMs: z.number().min(0).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  emailPattern: z.string().optional(),
  message: z.string().optional(),
  times: z.number().int().min(0).optional(),
  probability: z.number().min(0).max(1).optional(),
});

/** The event types the Webhooks API v3 takes (SubscriptionCreateRequest.eventType). */
export const SUBSCRIPTION_EVENT_TYPES = [
  'company.associationChange',
  'company.creation',
  'company.deletion',
  'company.merge',
  'company.propertyChange',
  'company.restore',
  'contact.associationChange',
  'contact.creation',
  'contact.deletion',
  'contact.merge',
  'contact.privacyDeletion',
  'contact.propertyChange',
  'contact.restore',
  'conversation.creation',
  'conversation.deletion',
  'conversation.newMessage',
  'conversation.privacyDeletion',
  'conversation.propertyChange',
  'deal.associationChange',
  'deal.creation',
  'deal.deletion',
  'deal.merge',
  'deal.propertyChange',
  'deal.restore',
  'event.completed',
  'line_item.associationChange',
  'line_item.creation',
  'line_item.deletion',
  'line_item.merge',
  'line_item.propertyChange',
  'line_item.restore',
  'object.associationChange',
  'object.creation',
  'object.deletion',
  'object.merge',
  'object.propertyChange',
  'object.restore',
  'product.creation',
  'product.deletion',
  'product.merge',
  'product.propertyChange',
  'product.restore',
  'ticket.associationChange',
  'ticket.creation',
  'ticket.deletion',
  'ticket.merge',
  'ticket.propertyChange',
  'ticket.restore',
] as const;

/**
 * SettingsChangeRequest. ThrottlingSettings only requires maxConcurrentRequests; `period` is not in
 * its schema but is in every example of HubSpot's, so it is taken and echoed when sent.
 */
export const SettingsChangeInput = z.object({
  targetUrl: z.string().min(1),
  throttling: z.object({
    maxConcurrentRequests: z.number().int().min(1),
    period: z.string().min(1).optional(),
  }),
});

/** SubscriptionCreateRequest (contact, company, ... event types; `active` defaults to false). */
export const SubscriptionCreateInput = z.object({
  eventType: z.enum(SUBSCRIPTION_EVENT_TYPES),
  propertyName: z.string().min(1).optional(),
  active: z.boolean().optional(),
});

/** SubscriptionPatchRequest. */
export const SubscriptionPatchInput = z.object({ active: z.boolean().optional() });

export const RateLimitInput = z.object({
  max: z.number().int().min(0),
  intervalMs: z.number().positive(),
  daily: z.number().int().min(0).optional(),
});

/** `PUT /__sandbox/rate-limit/daily-used`: how many requests today has counted. */
export const DailyUsedInput = z.strictObject({ used: z.number().int().min(0) });

/** `POST /__sandbox/rate-limit/clock`: moves the rate limits' clock forward. */
export const RateLimitClockInput = z.strictObject({ advanceSeconds: z.number().nonnegative().max(10 * 365 * 24 * 3600) });

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) throw validationError('Invalid input JSON: the request body is empty.');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = result.error.issues.slice(0, 20).map((issue) => ({
    message: issue.message,
    in: issue.path.map(String).join('.') || '(body)',
  }));
  const summary = errors.map((e) => `${e.in}: ${e.message}`).join('; ');
  throw validationError(`Invalid input JSON: ${summary}`, { errors });
}
