/**
 * The seeded portfolio: rental properties in real US cities and ZIP codes, their units, tenants and
 * leases, the same on every start for a given size (ids, names, addresses and links come from the
 * record's index, not from a random source), so a mapping kept across restarts still points at the
 * same records. Dates are relative to the seed time: Active leases run through today, Past ones
 * ended, Future ones start within two months; every record was last updated 2 to 90 days ago, so an
 * incremental window from "now" finds nothing until something changes.
 *
 * Data quality, on purpose: about 1 tenant in 23 has no email, about 1 in 41 shares the previous
 * tenant's email (some with different capitals), a quarter have an AlternateEmail, a third an
 * EmergencyContact, most a DateOfBirth and 1 in 6 a TaxId (ITIN-style 9xx numbers, none real).
 * Phone numbers are in the 555-01xx range reserved for fiction; emails are at example domains.
 */
import { FIRST_IDS, isoSeconds, type BuildiumStore, type LeaseTenantLink } from './store.js';
import type { AddressMessage, BuildiumSeedSize, LeaseStatus, PropertyManagerMessage, RentalSubType, UnitBathrooms, UnitBedrooms } from './types.js';

/** `npm start`'s portfolio: 50 properties of 10 units, 800 tenants, 600 leases. */
export const DEMO_SEED_SIZE: Readonly<Required<BuildiumSeedSize>> = { properties: 50, unitsPerProperty: 10, tenants: 800, leases: 600 };

const DAY = 24 * 60 * 60 * 1000;

const CITIES = [
  { city: 'Austin', state: 'TX', zips: ['78704', '78745'], area: '512', rent: 1450 },
  { city: 'Dallas', state: 'TX', zips: ['75206', '75214'], area: '214', rent: 1350 },
  { city: 'Seattle', state: 'WA', zips: ['98103', '98122'], area: '206', rent: 1900 },
  { city: 'Atlanta', state: 'GA', zips: ['30307', '30312'], area: '404', rent: 1500 },
  { city: 'Boston', state: 'MA', zips: ['02116', '02130'], area: '617', rent: 2600 },
  { city: 'Chicago', state: 'IL', zips: ['60614', '60647'], area: '312', rent: 1650 },
  { city: 'Miami', state: 'FL', zips: ['33133', '33137'], area: '305', rent: 2100 },
  { city: 'San Francisco', state: 'CA', zips: ['94110', '94117'], area: '415', rent: 2900 },
  { city: 'Nashville', state: 'TN', zips: ['37206', '37208'], area: '615', rent: 1400 },
  { city: 'Brooklyn', state: 'NY', zips: ['11215', '11238'], area: '718', rent: 2800 },
  { city: 'Detroit', state: 'MI', zips: ['48207', '48202'], area: '313', rent: 950 },
  { city: 'Denver', state: 'CO', zips: ['80205', '80218'], area: '303', rent: 1600 },
  { city: 'Phoenix', state: 'AZ', zips: ['85004', '85016'], area: '602', rent: 1250 },
  { city: 'Portland', state: 'OR', zips: ['97214', '97202'], area: '503', rent: 1500 },
  { city: 'Raleigh', state: 'NC', zips: ['27605', '27608'], area: '919', rent: 1300 },
  { city: 'Houston', state: 'TX', zips: ['77006', '77008'], area: '713', rent: 1200 },
  { city: 'Cleveland', state: 'OH', zips: ['44113', '44102'], area: '216', rent: 950 },
  { city: 'Charlotte', state: 'NC', zips: ['28203', '28205'], area: '704', rent: 1350 },
  { city: 'New Orleans', state: 'LA', zips: ['70115', '70119'], area: '504', rent: 1250 },
  { city: 'Minneapolis', state: 'MN', zips: ['55408', '55414'], area: '612', rent: 1350 },
] as const;

const STREETS = [
  'Maple Ave', 'Oak St', 'Cedar Ln', 'Elm St', 'Park Ave', 'Washington St', 'Lakeview Dr', 'Pine St', 'Sunset Blvd', 'Highland Ave',
  'Church St', 'Riverside Dr', 'Magnolia St', 'Chestnut St', 'Willow Way', 'Franklin Ave', 'Jefferson St', 'Main St', 'Hillcrest Rd', 'Spring St',
  'Walnut St', 'Broadway', 'Grove St', 'Lincoln Ave', 'Madison St', 'Poplar St', 'Sycamore Dr',
];
const BUILDING_NAMES = ['Court', 'Commons', 'Terrace', 'Gardens', 'Lofts', 'Place', 'Flats', 'Residences'];
const FIRST = [
  'James', 'Maria', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Jose', 'Susan', 'Thomas', 'Jessica',
  'Charles', 'Sarah', 'Daniel', 'Karen', 'Matthew', 'Nancy', 'Anthony', 'Lisa', 'Mark', 'Betty', 'Wei', 'Priya', 'Andre', 'Fatima', 'Kenji',
  'Olga', 'Diego', 'Aisha', 'Liam', 'Chloe', 'Mateo', 'Grace', 'Tyrone', 'Mei', 'Ahmed', 'Hannah', 'Sean', "D'Andre",
];
const LAST = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez',
  'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Nguyen', 'Patel',
  'Kim', 'Chen', 'Okafor', 'Schultz', "O'Connor", 'Dubois', 'Kowalski', 'Rossi', 'Yamamoto', 'Haddad', 'Ivanova', 'Washington', 'Bell', 'Foster',
];
const RELATIONSHIPS = ['Mother', 'Father', 'Sister', 'Brother', 'Spouse', 'Friend', 'Partner'];
const MANAGERS: PropertyManagerMessage[] = [
  ['Rachel', 'Adams'], ['Tom', 'Becker'], ['Sonia', 'Delgado'], ['Greg', 'Holloway'], ['Nina', 'Park'],
].map(([first, last], i) => ({
  Id: 301 + i,
  FirstName: first!,
  LastName: last!,
  CompanyName: null,
  IsCompany: false,
  ProfilePhotoUrl: null,
  Email: `${first!.toLowerCase()}.${last!.toLowerCase()}@pm.example.com`,
  PhoneNumbers: [{ Number: `(555) 010-${String(4100 + i)}`, Type: 'Office' }],
}));
const BEDROOMS: Array<{ beds: UnitBedrooms; baths: UnitBathrooms[]; size: number; factor: number }> = [
  { beds: 'Studio', baths: ['OneBath'], size: 480, factor: 0.8 },
  { beds: 'OneBed', baths: ['OneBath', 'OneBath', 'OnePointFiveBath'], size: 680, factor: 1 },
  { beds: 'OneBed', baths: ['OneBath'], size: 720, factor: 1.05 },
  { beds: 'TwoBed', baths: ['OneBath', 'TwoBath', 'OnePointFiveBath'], size: 950, factor: 1.3 },
  { beds: 'TwoBed', baths: ['TwoBath'], size: 1020, factor: 1.35 },
  { beds: 'ThreeBed', baths: ['TwoBath', 'TwoPointFiveBath'], size: 1300, factor: 1.6 },
  { beds: 'FourBed', baths: ['ThreeBath', 'TwoPointFiveBath', 'ThreePointFiveBath'], size: 1750, factor: 1.9 },
];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function address(line1: string, line2: string | null, cityIndex: number, zipIndex: number): AddressMessage {
  const c = CITIES[cityIndex % CITIES.length]!;
  return { AddressLine1: line1, AddressLine2: line2, AddressLine3: null, City: c.city, State: c.state, PostalCode: c.zips[zipIndex % 2]!, Country: 'UnitedStates' };
}

/** The seed's sizes: true → the demo, false → nothing, an object → its fields over the demo's. */
export function seedSize(seed: boolean | BuildiumSeedSize | undefined): Required<BuildiumSeedSize> {
  if (seed === false) return { properties: 0, unitsPerProperty: 0, tenants: 0, leases: 0 };
  const size = { ...DEMO_SEED_SIZE, ...(seed === true || seed === undefined ? {} : seed) };
  for (const [k, v] of Object.entries(size)) if (!(Number.isInteger(v) && v >= 0)) throw new TypeError(`seed.${k} must be a non-negative integer`);
  if (size.leases > 0 && (size.properties * size.unitsPerProperty === 0 || size.tenants === 0)) {
    throw new TypeError('seeded leases need units (properties × unitsPerProperty) and tenants');
  }
  return size;
}

export function seedBuildium(store: BuildiumStore, size: Required<BuildiumSeedSize>, now = Date.now()): void {
  const past = (i: number, salt: number): number => now - 2 * DAY - ((i * 7919 + salt) % (88 * DAY / 1000)) * 1000;
  const unitCount = size.properties * size.unitsPerProperty;

  for (let p = 0; p < size.properties; p++) {
    const street = STREETS[(p * 7 + 3) % STREETS.length]!;
    const number = 100 + ((p * 379 + 41) % 4800);
    const single = size.unitsPerProperty <= 1;
    const subType: RentalSubType = single ? 'SingleFamily' : size.unitsPerProperty <= 4 && p % 3 === 0 ? 'CondoTownhome' : 'MultiFamily';
    store.addRental(
      {
        Id: FIRST_IDS.rental + p,
        Name: single ? `${number} ${street}` : `${street.replace(/ (St|Ave|Ln|Dr|Blvd|Rd|Way)$/, '')} ${BUILDING_NAMES[p % BUILDING_NAMES.length]}`,
        StructureDescription: single ? 'Detached single-family home' : `${size.unitsPerProperty}-unit ${p % 2 ? 'garden-style' : 'mid-rise'} building`,
        IsActive: p % 17 !== 16,
        OperatingBankAccountId: 11 + (p % 3),
        Reserve: 2500 + (p % 4) * 500,
        Address: address(`${number} ${street}`, null, p, p),
        YearBuilt: 1925 + ((p * 13) % 98),
        RentalType: 'Residential',
        RentalSubType: subType,
        RentalManager: structuredClone(MANAGERS[p % MANAGERS.length]!),
      },
      past(p, 11),
    );
  }

  const unitAddress: AddressMessage[] = [];
  for (let u = 0; u < unitCount; u++) {
    const p = Math.floor(u / size.unitsPerProperty);
    const floorSlot = u % size.unitsPerProperty;
    const street = STREETS[(p * 7 + 3) % STREETS.length]!;
    const number = 100 + ((p * 379 + 41) % 4800);
    const single = size.unitsPerProperty <= 1;
    const unitNumber = single ? null : `${1 + Math.floor(floorSlot / 8)}${pad(1 + (floorSlot % 8), 2)}`;
    const kind = BEDROOMS[single ? 5 + (p % 2) : (u * 5 + p) % BEDROOMS.length]!;
    const city = CITIES[p % CITIES.length]!;
    const addr = address(`${number} ${street}`, unitNumber ? `Unit ${unitNumber}` : null, p, p);
    unitAddress.push(addr);
    store.addUnit(
      {
        Id: FIRST_IDS.unit + u,
        PropertyId: FIRST_IDS.rental + p,
        BuildingName: single ? null : `Building ${'ABC'[floorSlot % 3]}`,
        UnitNumber: unitNumber,
        Description: u % 4 === 0 ? `Renovated ${kind.beds === 'Studio' ? 'studio' : 'unit'} with in-unit laundry` : null,
        MarketRent: Math.round((city.rent * kind.factor) / 25) * 25,
        Address: addr,
        UnitBedrooms: u % 29 === 28 ? 'NotSet' : kind.beds,
        UnitBathrooms: u % 31 === 30 ? null : kind.baths[u % kind.baths.length]!,
        UnitSize: u % 11 === 10 ? null : kind.size + ((u * 37) % 120),
        IsUnitListed: false,
        IsUnitOccupied: false,
      },
      past(u, 23),
    );
  }

  // Lease i is on unit i mod units; a unit's first lease is mostly Active, later ones Past or Future.
  const statusOf = (i: number): LeaseStatus => {
    if (i < unitCount) return i % 9 === 8 ? 'Past' : i % 13 === 12 ? 'Future' : 'Active';
    return i % 2 === 0 ? 'Past' : 'Future';
  };
  // Tenant t and lease l are linked for every k < max(tenants, leases) with t = k mod tenants, l = k mod leases:
  // with more tenants than leases some leases have two or more, with fewer some tenants have several leases.
  const tenantsOfLease: number[][] = Array.from({ length: size.leases }, () => []);
  const firstLeaseOfTenant: number[] = new Array<number>(size.tenants).fill(-1);
  if (size.leases > 0) {
    for (let k = 0; k < Math.max(size.tenants, size.leases); k++) {
      const t = k % size.tenants;
      const l = k % size.leases;
      tenantsOfLease[l]!.push(t);
      if (firstLeaseOfTenant[t] === -1) firstLeaseOfTenant[t] = l;
    }
  }

  const emailOf = (t: number): string => {
    const first = FIRST[t % FIRST.length]!.toLowerCase().replace(/'/g, '');
    const last = LAST[(t * 7 + 3) % LAST.length]!.toLowerCase().replace(/'/g, '');
    const domain = ['example.com', 'example.net', 'example.org', 'mail.example.com'][t % 4]!;
    return `${first}.${last}${t % 5 === 0 ? '' : t}@${domain}`;
  };
  for (let t = 0; t < size.tenants; t++) {
    const first = FIRST[t % FIRST.length]!;
    const last = LAST[(t * 7 + 3) % LAST.length]!;
    const lease = firstLeaseOfTenant[t]!;
    const city = CITIES[(lease >= 0 ? Math.floor((lease % Math.max(unitCount, 1)) / Math.max(size.unitsPerProperty, 1)) : t) % CITIES.length]!;
    let email: string | null = emailOf(t);
    if (t % 23 === 7) email = null;
    else if (t % 41 === 13 && t > 0) email = t % 2 ? emailOf(t - 1).toUpperCase() : emailOf(t - 1);
    else if (t % 17 === 5) email = email.replace(/^./, (c) => c.toUpperCase());
    const created = now - 120 * DAY - ((t * 104729) % (900 * DAY / 1000)) * 1000;
    store.addTenant(
      {
        Id: FIRST_IDS.tenant + t,
        FirstName: first,
        LastName: last,
        Email: email,
        AlternateEmail: t % 4 === 1 ? `${first.toLowerCase().replace(/'/g, '')}.${t}@alt.example.org` : null,
        PhoneNumbers: t % 19 === 18 ? [] : [
          { Number: `(${city.area}) 555-01${pad(t % 100, 2)}`, Type: 'Cell' },
          ...(t % 3 === 0 ? [{ Number: `(${city.area}) 555-01${pad((t * 7) % 100, 2)}`, Type: 'Home' as const }] : []),
        ],
        CreatedDateTime: isoSeconds(created),
        EmergencyContact: t % 3 === 0
          ? {
              Name: `${FIRST[(t + 11) % FIRST.length]} ${last}`,
              RelationshipDescription: RELATIONSHIPS[t % RELATIONSHIPS.length]!,
              Phone: `(${city.area}) 555-01${pad((t * 3 + 1) % 100, 2)}`,
              Email: t % 2 ? `${FIRST[(t + 11) % FIRST.length]!.toLowerCase().replace(/'/g, '')}.${t}@family.example.com` : null,
            }
          : null,
        DateOfBirth: t % 5 === 4 ? null : `${1950 + ((t * 13) % 52)}-${pad(1 + (t % 12), 2)}-${pad(1 + ((t * 7) % 28), 2)}`,
        SMSOptInStatus: (['NotSet', 'OptedIn', 'OptedOut', 'RequestSent', 'NotSet'] as const)[t % 5]!,
        Address: lease >= 0 ? structuredClone(unitAddress[lease % unitCount]!) : address(`${200 + ((t * 151) % 9000)} ${STREETS[t % STREETS.length]}`, null, t, t),
        AlternateAddress: null,
        MailingPreference: 'PrimaryAddress',
        Comment: t % 10 === 3 ? 'Prefers contact by text after 5pm.' : t % 10 === 7 ? 'Has a small dog (approved).' : null,
        TaxId: t % 6 === 2 ? `9${pad((t * 31) % 100, 2)}-7${t % 10}-${pad((t * 97) % 10000, 4)}` : null,
      },
      past(t, 37),
    );
  }

  for (let l = 0; l < size.leases; l++) {
    const u = l % unitCount;
    const status = statusOf(l);
    const unit = store.unit(FIRST_IDS.unit + u)!;
    const startOffset = status === 'Active' ? -(30 + ((l * 37) % 330)) : status === 'Past' ? -(400 + ((l * 53) % 700)) : 10 + ((l * 11) % 50);
    const from = now + startOffset * DAY;
    const atWill = l % 15 === 14;
    const to = atWill ? null : from + 365 * DAY;
    const rent = unit.MarketRent ?? 1200;
    const links: LeaseTenantLink[] = tenantsOfLease[l]!.map((t) => ({ tenantId: FIRST_IDS.tenant + t, moveIn: day(from) }));
    store.addLease(
      {
        Id: FIRST_IDS.lease + l,
        PropertyId: unit.PropertyId,
        UnitId: unit.Id,
        UnitNumber: unit.UnitNumber,
        LeaseFromDate: day(from),
        LeaseToDate: to === null ? null : day(to),
        LeaseType: atWill ? 'AtWill' : l % 4 === 1 ? 'FixedWithRollover' : 'Fixed',
        LeaseStatus: status,
        IsEvictionPending: l % 97 === 50,
        TermType: atWill ? 'MonthToMonth' : 'Standard',
        RenewalOfferStatus: status === 'Active' && l % 6 === 0 ? 'Sent' : status === 'Active' ? 'NotStarted' : null,
        AccountDetails: { SecurityDeposit: rent, Rent: rent },
        Cosigners: [],
        AutomaticallyMoveOutTenants: false,
        CreatedDateTime: isoSeconds(Math.min(from, now - 3 * DAY) - 20 * DAY),
        MoveOutData: status === 'Past' && to !== null ? links.map((link) => ({ TenantId: link.tenantId, MoveOutDate: day(to), NoticeGivenDate: day(to - 30 * DAY) })) : [],
        PaymentDueDay: 1,
      },
      links,
      past(l, 53),
    );
  }

  store.deriveOccupancy();
  // Vacant units are mostly listed for rent (Buildium derives this from a listing; the seed sets it).
  for (let u = 0; u < unitCount; u++) {
    const unit = store.unit(FIRST_IDS.unit + u)!;
    if (!unit.IsUnitOccupied && u % 3 !== 2) store.updateUnit(unit.Id, { IsUnitListed: true });
  }
}
