/**
 * TurboTenant's payloads as zod schemas. TurboTenant publishes no API, so these follow our own
 * contract (`shared/CONTRACT.md`, "TurboTenant events" and "The TurboTenant API our client reads"):
 * - the event TurboTenant POSTs to `/events/turbotenant`, strict enough that a 400 names the field;
 * - the landlord, the property and a page of properties our client reads from its API.
 *
 * Unknown keys are dropped, not refused: TurboTenant may add fields without breaking us. In
 * `metadata` that drop is also the allow-list: only the named keys get through, so a tenant's
 * personal data sent there by mistake never reaches shared metadata (seed `000_*`, best practices).
 */
import { z } from 'zod';

export const TURBOTENANT_EVENT_TYPES = ['property_created', 'property_updated', 'lead_created'] as const;
export type TurboTenantEventType = (typeof TURBOTENANT_EVENT_TYPES)[number];

/** Ids become DynamoDB keys and URL path segments: bounded, and never blank. */
const MAX_ID_LENGTH = 128;

const missingOr = (expected: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'required' : `must be ${expected}`);

function id() {
  return z
    .string({ error: missingOr('a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` });
}

/** Trimmed and lower-cased before it is checked, as the platform's lead emails are (CONTRACT.md, lead event). */
function email() {
  return z
    .string({ error: missingOr('a string') })
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'must be a valid email address' }));
}

const optionalText = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, { error: `must be at most ${max} characters` })
    .optional();

/** ISO 8601 with a zone (`Z` or an offset): a time without one means nothing across systems. */
function isoDateTime() {
  return z.iso.datetime({ offset: true, error: (issue) => (issue.input === undefined ? 'required' : 'must be an ISO 8601 date-time with a time zone, e.g. 2025-10-12T21:53:00Z') });
}

/** The person who asked about a property. Only `lead_created` carries one. */
export const TurboTenantLeadSchema = z.object(
  {
    id: id(),
    email: email(),
    first_name: optionalText(200),
    last_name: optionalText(200),
    phone: optionalText(50),
    message: optionalText(5_000),
  },
  { error: 'must be an object' },
);
export type TurboTenantLead = z.output<typeof TurboTenantLeadSchema>;

/**
 * The attribution block. utm_* and platform_source are the contract's; managed_by and created_by
 * carry the property manager attribution the seed asks for. Nothing else is kept (see top).
 */
export const TurboTenantEventMetadataSchema = z.object(
  {
    utm_source: optionalText(255),
    utm_medium: optionalText(255),
    utm_campaign: optionalText(255),
    platform_source: optionalText(255),
    managed_by: optionalText(255),
    created_by: optionalText(255),
  },
  { error: (issue) => (issue.input === undefined ? 'required' : 'must be an object') },
);
export type TurboTenantEventMetadata = z.output<typeof TurboTenantEventMetadataSchema>;

const EventFields = z.object(
  {
    event_id: id(),
    event_type: z.enum(TURBOTENANT_EVENT_TYPES, {
      error: (issue) => (issue.input === undefined ? 'required' : `must be one of ${TURBOTENANT_EVENT_TYPES.join(', ')}`),
    }),
    occurred_at: isoDateTime(),
    landlord_id: id(),
    property_id: id(),
    lead: TurboTenantLeadSchema.optional(),
    metadata: TurboTenantEventMetadataSchema,
  },
  { error: 'the body must be a JSON object' },
);

interface EventCommon {
  readonly event_id: string;
  readonly occurred_at: string;
  readonly landlord_id: string;
  readonly property_id: string;
  readonly metadata: TurboTenantEventMetadata;
}
export interface TurboTenantPropertyEvent extends EventCommon {
  readonly event_type: 'property_created' | 'property_updated';
}
export interface TurboTenantLeadEvent extends EventCommon {
  readonly event_type: 'lead_created';
  readonly lead: TurboTenantLead;
}
export type TurboTenantEvent = TurboTenantPropertyEvent | TurboTenantLeadEvent;

/**
 * `POST /events/turbotenant`. `lead` is required on `lead_created` and refused on the property
 * events (CONTRACT.md: "`lead` only on `lead_created`"), so the parsed event is a union the
 * consumer can switch on without checking for a lead again.
 */
export const TurboTenantEventSchema = EventFields.transform((event, ctx): TurboTenantEvent => {
  const { lead, event_type, ...common } = event;
  if (event_type === 'lead_created') {
    if (lead === undefined) {
      ctx.addIssue({ code: 'custom', path: ['lead'], message: 'required when event_type is lead_created', input: lead });
      return z.NEVER;
    }
    return { ...common, event_type, lead };
  }
  if (lead !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['lead'], message: `only sent with lead_created, not with ${event_type}`, input: lead });
    return z.NEVER;
  }
  return { ...common, event_type };
});

/** `GET /api/landlords/{id}`. The email is the HubSpot contact's key, so it must be one. */
export const TurboTenantLandlordSchema = z.object({
  id: id(),
  email: email(),
  phone: z.string({ error: missingOr('a string') }),
  first_name: z.string({ error: missingOr('a string') }),
  last_name: z.string({ error: missingOr('a string') }),
  // `stripe_customer_id?`: absent for landlords without Stripe; a null is read as absent.
  stripe_customer_id: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .nullish()
    .transform((value) => value ?? undefined),
  updated_at: isoDateTime(),
});
export type TurboTenantLandlord = z.output<typeof TurboTenantLandlordSchema>;

export const TurboTenantAddressSchema = z.object(
  {
    street: z.string({ error: missingOr('a string') }),
    city: z.string({ error: missingOr('a string') }),
    state: z.string({ error: missingOr('a string') }),
    // A string: US ZIP codes keep their leading zeros (02116).
    zip: z.string({ error: missingOr('a string') }),
  },
  { error: (issue) => (issue.input === undefined ? 'required' : 'must be an object') },
);

/** `GET /api/properties/{id}`; `rent` is the monthly rent in US dollars. */
export const TurboTenantPropertySchema = z.object({
  id: id(),
  landlord_id: id(),
  title: z.string({ error: missingOr('a string') }),
  type: z.string({ error: missingOr('a string') }),
  rent: z.number({ error: missingOr('a number') }).nonnegative({ error: 'must not be negative' }),
  address: TurboTenantAddressSchema,
  updated_at: isoDateTime(),
});
export type TurboTenantProperty = z.output<typeof TurboTenantPropertySchema>;

/** `GET /api/properties?updated_since=&page=&per_page=`: pages from 1, `next_page` null on the last. */
export const TurboTenantPropertyPageSchema = z.object({
  data: z.array(TurboTenantPropertySchema, { error: missingOr('an array') }),
  next_page: z.number({ error: missingOr('a page number or null') }).int().positive().nullable(),
});
export type TurboTenantPropertyPage = z.output<typeof TurboTenantPropertyPageSchema>;

/** The API's own limits on `per_page`. */
export const TURBOTENANT_MAX_PER_PAGE = 100;
export const TURBOTENANT_DEFAULT_PER_PAGE = 25;

/**
 * Error bodies. The contract names none, so any of the usual shapes is read for its message:
 * `{"error":{"code","message"}}` (ours and the sandbox's), `{"error":"..."}`, `{"message":"..."}`.
 */
export const TurboTenantErrorBodySchema = z.object({
  error: z.union([z.string(), z.object({ message: z.string().optional() })]).optional(),
  message: z.string().optional(),
});

/** "address.zip: must be a string" for the first issue of a failed parse. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
