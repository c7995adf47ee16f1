/**
 * Records as the Buildium API returns them, field for field as the official OpenAPI document
 * (`shared/specs/buildium/buildium-openapi.json`) names them: TenantMessage, RentalMessage,
 * RentalUnitMessage, LeaseMessage and the messages they hold. Every field is always present; the
 * ones the document marks nullable are null when the record has no value.
 */
import type { BaseFaultRule } from '../common/faults.js';
import type { BaseRecordedRequest, SandboxHandle } from '../common/sandbox.js';

export type PhoneType = 'NotSet' | 'Home' | 'Office' | 'Cell' | 'Personal' | 'Fax' | 'Other';
export type SmsOptInStatus = 'NotSet' | 'RequestSent' | 'OptedIn' | 'OptedOut' | 'Converted';
export type MailingPreference = 'PrimaryAddress' | 'AlternateAddress';
export type LeaseStatus = 'Active' | 'Past' | 'Future';
export type LeaseType = 'None' | 'Fixed' | 'FixedWithRollover' | 'AtWill';
export type TermType = 'MonthToMonth' | 'Standard' | 'Owner';
export type RenewalOfferStatus =
  | 'NotSet' | 'NotStarted' | 'Generated' | 'Declined' | 'Renewed' | 'Draft' | 'Unsigned' | 'PartiallySigned' | 'Countersign' | 'Activated' | 'Sent' | 'Accepted';
export type LeaseTenantStatus = 'MovedOut' | 'Current' | 'Future';
export type RentalType = 'None' | 'Residential' | 'Commercial';
export type RentalSubType = 'CondoTownhome' | 'MultiFamily' | 'SingleFamily' | 'Industrial' | 'Office' | 'Retail' | 'ShoppingCenter' | 'Storage' | 'ParkingSpace';
export type UnitBedrooms = 'NotSet' | 'Studio' | 'OneBed' | 'TwoBed' | 'ThreeBed' | 'FourBed' | 'FiveBed' | 'SixBed' | 'SevenBed' | 'EightBed' | 'NineBedPlus';
export type UnitBathrooms =
  | 'NotSet' | 'OneBath' | 'OnePointFiveBath' | 'TwoBath' | 'TwoPointFiveBath' | 'ThreeBath' | 'FourBath' | 'FiveBath' | 'FivePlusBath' | 'ThreePointFiveBath' | 'FourPointFiveBath';

export interface PhoneNumberMessage {
  Number: string | null;
  Type: PhoneType;
}

export interface AddressMessage {
  AddressLine1: string | null;
  AddressLine2: string | null;
  AddressLine3: string | null;
  City: string | null;
  State: string | null;
  PostalCode: string | null;
  /** One of the document's country names without spaces; the sandbox's are all 'UnitedStates'. */
  Country: string;
}

export interface EmergencyContactMessage {
  Name: string | null;
  RelationshipDescription: string | null;
  Phone: string | null;
  Email: string | null;
}

export interface TenantMessage {
  Id: number;
  FirstName: string | null;
  LastName: string | null;
  Email: string | null;
  AlternateEmail: string | null;
  PhoneNumbers: PhoneNumberMessage[] | null;
  CreatedDateTime: string | null;
  EmergencyContact: EmergencyContactMessage | null;
  /** YYYY-MM-DD. */
  DateOfBirth: string | null;
  SMSOptInStatus: SmsOptInStatus | null;
  Address: AddressMessage | null;
  AlternateAddress: AddressMessage | null;
  MailingPreference: MailingPreference | null;
  /** The tenant's leases, whatever their status; null on a tenant listed inside a lease. */
  Leases: LeaseMessage[] | null;
  Comment: string | null;
  TaxId: string | null;
}

export interface PropertyManagerMessage {
  Id: number;
  FirstName: string | null;
  LastName: string | null;
  CompanyName: string | null;
  IsCompany: boolean;
  ProfilePhotoUrl: string | null;
  Email: string | null;
  PhoneNumbers: PhoneNumberMessage[] | null;
}

export interface RentalMessage {
  Id: number;
  Name: string | null;
  StructureDescription: string | null;
  NumberUnits: number;
  IsActive: boolean;
  OperatingBankAccountId: number;
  Reserve: number;
  Address: AddressMessage | null;
  YearBuilt: number | null;
  RentalType: RentalType;
  RentalSubType: RentalSubType;
  RentalManager: PropertyManagerMessage | null;
}

export interface RentalUnitMessage {
  Id: number;
  PropertyId: number;
  BuildingName: string | null;
  UnitNumber: string | null;
  Description: string | null;
  MarketRent: number | null;
  Address: AddressMessage | null;
  UnitBedrooms: UnitBedrooms | null;
  UnitBathrooms: UnitBathrooms | null;
  UnitSize: number | null;
  /** Transient in Buildium: a change does not move the unit's last-updated time. */
  IsUnitListed: boolean | null;
  /** Transient in Buildium: a change does not move the unit's last-updated time. */
  IsUnitOccupied: boolean | null;
}

export interface LeaseAccountDetailMessage {
  SecurityDeposit: number | null;
  Rent: number | null;
}

export interface CosignerMessage {
  Id: number;
  FirstName: string | null;
  LastName: string | null;
  Email: string | null;
  AlternateEmail: string | null;
  PhoneNumbers: PhoneNumberMessage[] | null;
  CreatedDateTime: string;
  Address: AddressMessage | null;
  AlternateAddress: AddressMessage | null;
  MailingPreference: MailingPreference;
}

export interface LeaseMoveOutDataMessage {
  TenantId: number;
  MoveOutDate: string;
  NoticeGivenDate: string;
}

export interface LeaseTenantMessage {
  Id: number;
  Status: LeaseTenantStatus;
  MoveInDate: string | null;
}

export interface LeaseMessage {
  Id: number;
  PropertyId: number;
  UnitId: number;
  UnitNumber: string | null;
  LeaseFromDate: string | null;
  LeaseToDate: string | null;
  LeaseType: LeaseType;
  LeaseStatus: LeaseStatus;
  IsEvictionPending: boolean;
  TermType: TermType;
  RenewalOfferStatus: RenewalOfferStatus | null;
  /** The lease's current tenants in full (their `Leases` null); empty on a past lease. */
  CurrentTenants: TenantMessage[] | null;
  CurrentNumberOfOccupants: number;
  AccountDetails: LeaseAccountDetailMessage | null;
  Cosigners: CosignerMessage[] | null;
  AutomaticallyMoveOutTenants: boolean;
  CreatedDateTime: string;
  /** The one last-updated time the document puts in a record. */
  LastUpdatedDateTime: string | null;
  MoveOutData: LeaseMoveOutDataMessage[] | null;
  PaymentDueDay: number;
  /** Every tenant ever on the lease. */
  Tenants: LeaseTenantMessage[] | null;
}

/** Buildium's error body (ApiErrorResponse). */
export interface ApiErrorResponse {
  UserMessage: string | null;
  ErrorCode: string | null;
  Errors: Array<{ Key: string; Value: string }> | null;
}

/** What the handle's updates may change: a record's own fields, not its id nor what is derived from links. */
export type TenantPatch = Partial<Omit<TenantMessage, 'Id' | 'Leases' | 'CreatedDateTime'>>;
export type RentalPatch = Partial<Omit<RentalMessage, 'Id' | 'NumberUnits'>>;
export type UnitPatch = Partial<Omit<RentalUnitMessage, 'Id' | 'PropertyId'>>;
export type LeasePatch = Partial<
  Omit<LeaseMessage, 'Id' | 'PropertyId' | 'UnitId' | 'CurrentTenants' | 'CurrentNumberOfOccupants' | 'CreatedDateTime' | 'LastUpdatedDateTime' | 'Tenants'>
>;

export type BuildiumRecordType = 'tenant' | 'rental' | 'unit' | 'lease';

/** The seeded portfolio's size; a field left out takes the demo size (DEMO_SEED_SIZE). */
export interface BuildiumSeedSize {
  properties?: number;
  unitsPerProperty?: number;
  tenants?: number;
  leases?: number;
}

export type FaultKind = 'status' | 'slow' | 'reset' | 'rateLimit';

/**
 * An injected failure of the API (`/v1/...`; control routes never fail). `path` matches as a
 * prefix of the request path, `method` exactly; `times` (default unlimited) counts the requests it
 * hits, `probability` (default 1) makes it intermittent.
 * - status: answers `status` (default 500) with Buildium's error body, Retry-After when retryAfterSeconds is set;
 * - slow: waits delayMs before answering (combines with one of the others);
 * - reset: destroys the connection without an answer;
 * - rateLimit: answers 429 as the real rate limit does (Retry-After only when retryAfterSeconds is set).
 */
export interface FaultRule extends BaseFaultRule {
  kind: FaultKind;
}

export interface RecordedRequest extends BaseRecordedRequest {
  /** The query string without '?', '' when none. */
  query: string;
}

export interface BuildiumSandboxOptions {
  clientId: string;
  clientSecret: string;
  /** true (default): the demo portfolio; false: empty; sizes: a portfolio of that size. Again on reset. */
  seed?: boolean | BuildiumSeedSize;
  port?: number;
  host?: string;
  /** For `probability` faults; default Math.random. */
  random?: () => number;
  /** Buildium's limit: more than `perSecond` API requests in a rolling second answer 429 (default 10); false: no limit. */
  rateLimit?: { perSecond: number } | false;
}

export interface BuildiumSandbox extends SandboxHandle<FaultRule, RecordedRequest> {
  /** The records as the API would return them, by id. */
  tenants(): TenantMessage[];
  rentals(): RentalMessage[];
  units(): RentalUnitMessage[];
  leases(): LeaseMessage[];
  /**
   * Change a record as Buildium's app would; a change moves its last-updated time (the
   * `lastupdatedfrom/to` filters), except a unit's IsUnitListed / IsUnitOccupied, which Buildium
   * does not date. A lease's LeaseStatus change re-derives its unit's IsUnitOccupied (undated too).
   * Throws for an unknown id. Returns the record as the API now returns it.
   */
  updateTenant(id: number, patch: TenantPatch): TenantMessage;
  updateRental(id: number, patch: RentalPatch): RentalMessage;
  updateUnit(id: number, patch: UnitPatch): RentalUnitMessage;
  updateLease(id: number, patch: LeasePatch): LeaseMessage;
  /** The time the sandbox keeps for the `lastupdated` filters (ISO, seconds), undefined for an unknown id. */
  lastUpdated(type: BuildiumRecordType, id: number): string | undefined;
  /** Back to the seed: records, faults, request log, rate-limit window. */
  reset(): void;
}
