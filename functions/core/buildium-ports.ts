/**
 * The Buildium sync's ports and the shapes its record syncs share: HubSpot's CRM as the sync needs
 * it (connectors/hubspot/objects.ts), the mapping table (store/buildium-mappings.ts), and what a
 * page of records reports (errors, audit entries, manual reviews).
 */
import type { SyncConfig } from './buildium-config.js';

export type LabelName = 'active_tenant' | 'inactive_tenant' | 'emergency_contact';
export interface AssociationPair {
  readonly fromId: string;
  readonly toId: string;
}
export interface ObjectWriteResult {
  /** By the input's key (upsert) or HubSpot id (update). */
  readonly written: Map<string, { id: string; created: boolean }>;
  readonly rejected: Map<string, string>;
}

/** HubSpot's CRM as this sync needs it (connectors/hubspot/objects.ts). */
export interface HubSpotObjects {
  upsert(objectType: string, idProperty: string, inputs: readonly { key: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult>;
  update(objectType: string, inputs: readonly { id: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult>;
  read(objectType: string, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>>;
  associateDefault(from: string, to: string, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>>;
  associateLabeled(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>>;
  removeLabel(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>>;
}

/** Mapping types on the mapping table (system `buildium`). */
export type MappingType = 'property' | 'unit' | 'tenant' | 'emergency-contact' | 'lease' | 'tenant-email';

export interface BuildiumMapping {
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  readonly syncHash: string;
  readonly version: number;
  readonly extra: MappingExtra;
}

export interface MappingExtra {
  /** Short hashes of each property's last written value. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Units: the listing the unit is associated with. Emergency contacts: the tenant's contact. */
  readonly linkedTo?: string;
  /** Leases: the labeled contact ↔ unit pairs written. */
  readonly pairs?: readonly LeasePair[];
}

export interface LeasePair {
  readonly contactId: string;
  readonly unitId: string;
  readonly label: LabelName;
}

export interface MappingWrite {
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  readonly syncHash: string;
  readonly extra: MappingExtra;
  /** The version read (0: none existed). */
  readonly expectedVersion: number;
}

/** A mapping to read: its type and source id. */
export interface MappingRef {
  readonly type: MappingType;
  readonly sourceId: string;
}

export interface BuildiumMappings {
  getMany(type: MappingType, sourceIds: readonly string[]): Promise<Map<string, BuildiumMapping>>;
  /** Mappings of several types at once (a page's records and what they link to), keyed `type#sourceId`. */
  getAll(refs: readonly MappingRef[]): Promise<Map<string, BuildiumMapping>>;
  /** The mappings of one type that point at a HubSpot object (the leases of a unit). */
  byHubSpotObject(type: MappingType, hubspotType: string, hubspotId: string): Promise<BuildiumMapping[]>;
  /**
   * Claims each key (a tenant's email) for an owner (the tenant's id) unless another owner holds
   * it; answers every key's owner after the claim.
   */
  claim(type: 'tenant-email', claims: readonly { key: string; owner: string }[]): Promise<Map<string, string>>;
  /** Conditional on each expected version; returns the source ids someone else wrote first. */
  putMany(type: MappingType, writes: readonly MappingWrite[]): Promise<string[]>;
}

/** The key `getAll` answers a mapping under. */
export const mappingRefKey = (type: MappingType, sourceId: string): string => `${type}#${sourceId}`;

export interface ReviewItem {
  readonly entity: MappingType;
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  /** The properties both sides changed (names only; the values are in Buildium and HubSpot). */
  readonly fields: readonly string[];
}

export interface SyncErrorRecord {
  readonly entity: string;
  readonly sourceId: string;
  readonly errorType: 'validation_error' | 'api_error' | 'mapping_error' | 'misconfigured';
  readonly reason: string;
}

export interface AuditChange {
  readonly entity: MappingType;
  readonly sourceId: string;
  readonly action: 'create' | 'update' | 'associate';
  readonly hubspotId: string;
  /** Property names written (values are not kept: they may be personal data). */
  readonly fields: readonly string[];
}

export type Outcome = 'created' | 'updated' | 'skipped' | 'failed';

export interface PageCounts {
  readonly processed: number;
  readonly created: number;
  readonly updated: number;
  readonly skipped: number;
  readonly failed: number;
  readonly invalid: number;
  readonly duplicateEmails: number;
}

export interface PageReport extends PageCounts {
  readonly errors: SyncErrorRecord[];
  readonly audit: AuditChange[];
  readonly reviews: ReviewItem[];
}

/** HubSpot ids of records a process wrote or read lately, by `type#sourceId` (core/buildium-links.ts). */
export type LinkCache = Map<string, { readonly hubspotId: string; readonly at: number }>;

export interface RecordDeps {
  readonly hubspot: HubSpotObjects;
  readonly mappings: BuildiumMappings;
  readonly config: SyncConfig;
  /** The Unit custom object's type as the objects API takes it (`p<portalId>_unit` or `2-…`). */
  readonly unitObjectType: string;
  /** Records to write whatever their hash says (a manual review resolved for Buildium, a forced resync). */
  readonly force?: boolean;
  /**
   * HubSpot ids of records this process wrote or read lately (a listing for its units, a unit and
   * tenants for their leases), so a job's later phases do not read back what its earlier phases
   * just wrote. Entries live LINK_TTL_MS; a stale one costs at most a refused association, which
   * is recorded and tried again.
   */
  readonly links?: LinkCache;
  readonly clock?: () => number;
  /** Time left in this invocation (Lambda's getRemainingTimeInMillis); absent: no deadline. */
  readonly remainingMs?: () => number;
}

// Buildium's records as the syncs read them (connectors/buildium/schemas.ts has the full shapes).
export interface RentalRecord {
  readonly Id: number;
}
export interface UnitRecord {
  readonly Id: number;
  readonly PropertyId: number;
}
export interface TenantRecord {
  readonly Id: number;
  readonly EmergencyContact?: { Name?: string | null; Email?: string | null; Phone?: string | null } | null;
}
export interface LeaseRecord {
  readonly Id: number;
  readonly UnitId: number;
  readonly LeaseStatus: string;
  readonly Tenants?: readonly { Id: number; Status: string }[] | null;
}
