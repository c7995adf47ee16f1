/**
 * What the sandbox's control routes and handle methods accept. Kept apart from the connector's
 * schemas on purpose: the sandbox is the other side of the contract, and sharing one schema would
 * let a mistake in it pass both ends unnoticed.
 */
import { z } from 'zod';
import { badRequest } from './errors.js';

const Text = z.string().trim().min(1, 'must not be empty').max(500);
const Id = z.string().trim().min(1, 'must not be empty').max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'may hold letters, digits and _ . : - only');
const Email = z.string().trim().pipe(z.email('must be a valid email address'));

export const MetadataInput = z.object({
  utm_source: z.string().optional(),
  utm_medium: z.string().optional(),
  utm_campaign: z.string().optional(),
  platform_source: z.string().optional(),
  managed_by: z.string().optional(),
  created_by: z.string().optional(),
});

export const LandlordInput = z.object({
  id: Id.optional(),
  email: Email.optional(),
  phone: z.string().trim().max(50).optional(),
  first_name: Text.optional(),
  last_name: Text.optional(),
  stripe_customer_id: z.string().trim().regex(/^cus_[A-Za-z0-9]+$/, "must look like Stripe's cus_...").nullable().optional(),
});

/** What a new landlord must have; an update may give any subset. */
export const NEW_LANDLORD_FIELDS = ['email', 'phone', 'first_name', 'last_name'] as const;

export const AddressInput = z.object({
  street: Text.optional(),
  city: Text.optional(),
  state: z.string().trim().regex(/^[A-Z]{2}$/, 'must be a two-letter US state code').optional(),
  zip: z.string().trim().regex(/^\d{5}(-\d{4})?$/, 'must be a US ZIP code (12345 or 12345-6789)').optional(),
});

export const PropertyInput = z.object({
  id: Id.optional(),
  landlord_id: Id.optional(),
  title: Text.optional(),
  type: Text.optional(),
  rent: z.number().finite().nonnegative().optional(),
  address: AddressInput.optional(),
  metadata: MetadataInput.optional(),
});

export const NEW_PROPERTY_FIELDS = ['landlord_id', 'title', 'type', 'rent', 'address'] as const;
export const ADDRESS_FIELDS = ['street', 'city', 'state', 'zip'] as const;

export const LeadInput = z.object({
  id: Id.optional(),
  property_id: Id,
  email: Email,
  first_name: Text.optional(),
  last_name: Text.optional(),
  phone: z.string().trim().max(50).optional(),
  message: z.string().max(5_000).optional(),
  metadata: MetadataInput.optional(),
});

export const FaultRuleInput = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  kind: z.enum(['status', 'slow', 'reset', 'rateLimit']),
  status: z.number().int().min(100).max(599).optional(),
  delayMs: z.number().min(0).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  message: z.string().optional(),
  times: z.number().int().min(0).optional(),
  probability: z.number().min(0).max(1).optional(),
});

/** Body of `POST /__sandbox/events`. */
export const EventTargetInput = z.object({ targetUrl: z.string().min(1).nullable() });

/** Parses a control input; a failure is a 400 naming every field at fault. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  if (value === undefined) throw badRequest(`${what}: the request body is empty`);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
  throw badRequest(`${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}
