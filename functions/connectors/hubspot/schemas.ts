/**
 * The parts of HubSpot's responses this project reads, as zod schemas
 * (`shared/specs/hubspot/crm-contacts-v3.json`: BatchResponseSimplePublicUpsertObjectWithErrors,
 * StandardError, Error). Anything else HubSpot adds is ignored; a missing required field fails.
 */
import { z } from 'zod';

export const StandardErrorSchema = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  message: z.string(),
  context: z.record(z.string(), z.array(z.string())).optional(),
  errors: z.array(z.object({ message: z.string(), in: z.string().optional() })).optional(),
});
export type StandardError = z.infer<typeof StandardErrorSchema>;

export const UpsertResultSchema = z.object({
  id: z.string(),
  new: z.boolean(),
  properties: z.record(z.string(), z.string().nullable()),
});

export const BatchUpsertResponseSchema = z.object({
  status: z.string(),
  results: z.array(UpsertResultSchema),
  errors: z.array(StandardErrorSchema).optional(),
  numErrors: z.number().optional(),
});

/** Error bodies: the `Error` schema, and the 429 body (`errorType`, `policyName`). */
export const ErrorBodySchema = z.object({
  message: z.string(),
  category: z.string().optional(),
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  correlationId: z.string().optional(),
});

/** BatchResponseSimplePublicObject(WithErrors): batch read answers 200, or 207 naming missing ids. */
export const BatchReadResponseSchema = z.object({
  status: z.string(),
  results: z.array(
    z.object({
      id: z.string(),
      properties: z.record(z.string(), z.string().nullable()),
      updatedAt: z.string(),
      archived: z.boolean().optional(),
    }),
  ),
  errors: z.array(StandardErrorSchema).optional(),
});
