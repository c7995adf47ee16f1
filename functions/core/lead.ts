import { z } from 'zod';

/** Sync states of the lead's HubSpot columns (seed 004 "Required Database Columns"). */
export const SYNC_STATUSES = ['PENDING', 'RETRYING', 'SYNCED', 'FAILED', 'UNLINKED'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Why a lead is FAILED: HubSpot rejected its data, or transient failures outlasted the retries. */
export type FailureKind = 'rejected' | 'exhausted';

export type SourceSystem = 'platform' | 'hubspot' | 'manual' | 'import';
export type SyncDirection = 'to_crm' | 'from_crm';

/** Emails are trimmed and lower-cased before they are stored or matched (CONTRACT.md). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// HubSpot string properties hold at most 65,536 characters; shorter caps where a person's
// name or phone would never be that long, so garbage is refused at the door.
const text = (max: number) => z.string().trim().min(1).max(max);

/** The lead event of `POST /leads` (CONTRACT.md). Unknown fields are refused, not dropped. */
export const LeadInputSchema = z.strictObject({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email({ message: 'must be a valid email address' })),
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  phone: text(40).optional(),
  message: text(65_536).optional(),
  source: text(100).optional(),
  externalId: text(200).optional(),
  /**
   * The HubSpot portal the lead belongs to, when a deployment serves several (issue 12 §5); absent:
   * the primary portal, the one the access token belongs to.
   */
  portalId: z.union([z.string().regex(/^\d{1,20}$/, { message: 'must be a HubSpot portal id (digits)' }), z.number().int().nonnegative()]).transform(String).optional(),
});
export type LeadInput = z.infer<typeof LeadInputSchema>;

export interface HubSpotColumns {
  readonly id?: string;
  readonly syncStatus: SyncStatus;
  readonly syncedAt?: string;
  readonly error?: string;
  readonly failureKind?: FailureKind;
  readonly attempts: number;
  readonly lastAttemptAt?: string;
  /** Hash of the contact properties last written to HubSpot (change detection, echo suppression). */
  readonly syncedHash?: string;
  /** The contact an UNLINKED lead was linked to (a restore relinks it). */
  readonly formerId?: string;
}

export interface CrmMetadata {
  readonly sourceSystem: SourceSystem;
  readonly lastSyncDirection?: SyncDirection;
  readonly syncVersion: number;
  readonly lastModifiedInCrm?: string;
}

export interface Lead {
  readonly leadId: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phone?: string;
  readonly message?: string;
  readonly source?: string;
  readonly externalId?: string;
  /** The HubSpot portal the lead belongs to; absent: the primary portal. */
  readonly portalId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When `hubspot.syncStatus` last changed; the reconciliation finds stuck leads by it. */
  readonly statusChangedAt: string;
  /** When HubSpot's privacy deletion erased the person's data (email is then ''). */
  readonly erasedAt?: string;
  readonly hubspot: HubSpotColumns;
  readonly crmMetadata: CrmMetadata;
}

export function newLead(input: LeadInput, leadId: string, now: Date): Lead {
  const at = now.toISOString();
  return {
    leadId,
    ...input,
    createdAt: at,
    updatedAt: at,
    statusChangedAt: at,
    hubspot: { syncStatus: 'PENDING', attempts: 0 },
    crmMetadata: { sourceSystem: 'platform', syncVersion: 0 },
  };
}

/** The lead as `GET /leads/{id}` shows it (CONTRACT.md); absent values are null, never missing keys. */
export function leadView(lead: Lead) {
  return {
    leadId: lead.leadId,
    email: lead.email === '' ? null : lead.email,
    firstName: lead.firstName ?? null,
    lastName: lead.lastName ?? null,
    phone: lead.phone ?? null,
    message: lead.message ?? null,
    source: lead.source ?? null,
    externalId: lead.externalId ?? null,
    portalId: lead.portalId ?? null,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    erasedAt: lead.erasedAt ?? null,
    hubspot: {
      id: lead.hubspot.id ?? null,
      syncStatus: lead.hubspot.syncStatus,
      syncedAt: lead.hubspot.syncedAt ?? null,
      error: lead.hubspot.error ?? null,
      attempts: lead.hubspot.attempts,
      lastAttemptAt: lead.hubspot.lastAttemptAt ?? null,
    },
    crmMetadata: {
      sourceSystem: lead.crmMetadata.sourceSystem,
      lastSyncDirection: lead.crmMetadata.lastSyncDirection ?? null,
      syncVersion: lead.crmMetadata.syncVersion,
      lastModifiedInCrm: lead.crmMetadata.lastModifiedInCrm ?? null,
    },
  };
}
export type LeadView = ReturnType<typeof leadView>;
