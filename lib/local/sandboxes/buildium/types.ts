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

/**
 * The EventNames the sandbox sends, as the document's "Webhook Events" grid spells them: a rental
 * property (`PropertyId`), a unit (`UnitId`), a lease (`LeaseId`), a lease tenant (`TenantId`).
 */
export type BuildiumEventName =
  | 'Rental.Created' | 'Rental.Updated' | 'Rental.Deleted'
  | 'RentalUnit.Created' | 'RentalUnit.Updated' | 'RentalUnit.Deleted'
  | 'Lease.Created' | 'Lease.Updated' | 'Lease.Deleted'
  | 'LeaseTenant.Created' | 'LeaseTenant.Updated' | 'LeaseTenant.Deleted';

/**
 * A webhook's body (the document's Event object), keys in this order, sent as compact JSON:
 * `{"EventName":"Rental.Updated","EventDateTime":"2022-05-10T15:12:46.2310000Z","AccountId":123456,"PropertyId":23}`.
 * EventDateTime is when the change happened (UTC, seven fraction digits, as the document's
 * `YYYY-MM-DDTHH:MM:SS.SSSSSSSZ`); exactly one identifier field, the one of its EventName.
 */
export interface BuildiumWebhookEvent {
  EventName: BuildiumEventName;
  EventDateTime: string;
  AccountId: number;
  PropertyId?: number;
  UnitId?: number;
  LeaseId?: number;
  TenantId?: number;
}

export interface BuildiumWebhookOptions {
  /** Where every event is POSTed (http or https). */
  url: string;
  /** The subscription's signing secret (`buildium-webhook-signature`). */
  secret: string;
  /** The events' AccountId; default DEFAULT_ACCOUNT_ID. */
  accountId?: number;
  /** Waits before each retry of an unsuccessful delivery; default Buildium's 1 min, 10 min, 1 h. [] : no retry. */
  retryDelaysMs?: number[];
  /** An attempt without an answer within this is unsuccessful; default Buildium's 10 s. */
  timeoutMs?: number;
}

/**
 * One event's delivery: `pending` while queued, in flight or waiting for a retry; `delivered`
 * once an attempt got a 2xx; `failed` once the last retry did not.
 */
export interface WebhookDelivery {
  event: BuildiumWebhookEvent;
  status: 'pending' | 'delivered' | 'failed';
  /** Attempts made so far (one POST each). */
  attempts: number;
  /** When the successful attempt was answered (ISO). */
  deliveredAt?: string;
  /** The last attempt's HTTP status, 0 when it got no answer (timeout, connection refused). */
  lastStatus?: number;
  /** Why the last attempt got no answer. */
  lastError?: string;
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
  /** Signed webhooks of the changes made through the handle or the control routes; default off. */
  webhooks?: BuildiumWebhookOptions | false;
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
  /**
   * Create a record as Buildium's app would (the next free id, the fields given over plain
   * defaults), dated now. Throws for an unknown field, property, unit or tenant.
   */
  addRental(fields?: RentalPatch): RentalMessage;
  addUnit(propertyId: number, fields?: UnitPatch): RentalUnitMessage;
  addTenant(fields?: TenantPatch): TenantMessage;
  /** A lease on a unit, with these tenants on it (its PropertyId and, by default, UnitNumber are the unit's). */
  addLease(unitId: number, tenantIds: number[], fields?: LeasePatch): LeaseMessage;
  /**
   * Delete a record: it is gone from the API (404 by id, absent from lists). A tenant is taken
   * off its leases; a lease off its tenants (its unit's IsUnitOccupied is derived again); a unit
   * with leases and a property with units are refused (delete those first). Throws for an unknown
   * id. None of this dates another record.
   */
  deleteRental(id: number): void;
  deleteUnit(id: number): void;
  deleteTenant(id: number): void;
  deleteLease(id: number): void;
  /** The time the sandbox keeps for the `lastupdated` filters (ISO, seconds), undefined for an unknown id. */
  lastUpdated(type: BuildiumRecordType, id: number): string | undefined;
  /**
   * Every event sent (or being sent) since the start or the last reset, oldest first; empty while
   * webhooks are off. Each change that dates a record, each creation and each deletion made
   * through the handle or the control routes is one event; a change that dates nothing (no real
   * change, or only a unit's IsUnitListed / IsUnitOccupied) sends none.
   */
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves once no event is queued, in flight or waiting for a retry (short retryDelaysMs in tests). */
  flushWebhooks(): Promise<void>;
  /** Back to the seed: records, faults, request log, rate-limit window, queued webhooks and their log. */
  reset(): void;
}
