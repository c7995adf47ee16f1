/**
 * The parts of HubSpot's deal and association answers this project reads, as zod schemas
 * (`shared/specs/hubspot/crm-deals-v3.json`: BatchResponseSimplePublicObject(WithErrors);
 * `crm-associations-v4.json`: BatchResponsePublicDefaultAssociation). Anything else is ignored.
 */
import { z } from 'zod';
import { StandardErrorSchema } from './schemas.js';

/** SimplePublicObject: a deal as batch create, update and read return it. */
export const DealObjectSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
  /** Echoed from the input on batch writes: how a result is matched to its input (results come in any order). */
  objectWriteTraceId: z.string().optional(),
});
export type DealObject = z.infer<typeof DealObjectSchema>;

/** BatchResponseSimplePublicObject, or ...WithErrors on a 207. */
export const DealBatchResponseSchema = z.object({
  status: z.string(),
  results: z.array(DealObjectSchema),
  errors: z.array(StandardErrorSchema).optional(),
  numErrors: z.number().optional(),
});

/** BatchResponsePublicDefaultAssociation: what a batch of default associations did. */
export const DefaultAssociationBatchResponseSchema = z.object({
  status: z.string(),
  results: z.array(
    z.object({
      from: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
      to: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
      associationSpec: z.object({ associationCategory: z.string(), associationTypeId: z.number() }),
    }),
  ),
  errors: z.array(StandardErrorSchema).optional(),
  numErrors: z.number().optional(),
});
