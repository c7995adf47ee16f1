/**
 * Demo data: 20 landlords and 50 properties in real US cities and ZIP codes, the same on every
 * start (ids LL_1001.., PROP_1001.., the seed's example PROP_1001 among them), so a mapping kept
 * in DynamoDB Local across restarts still points at the same records. Phone numbers are in the
 * 555-01xx range reserved for fiction; emails are at example domains. Some emails have capitals,
 * as people type them, so the sync's normalisation runs; every third landlord pays through Stripe.
 */
import type { TurboTenantStore } from './store.js';
import type { EventMetadata } from './types.js';

/** The metadata block of seed `000_*`, sent with events unless a change names its own. */
export const DEFAULT_EVENT_METADATA: Readonly<EventMetadata> = {
  utm_source: 'connectlinx',
  utm_medium: 'form',
  utm_campaign: 'landlord_property_onboarding',
  platform_source: 'viviaturbo.live',
};

interface HomeCity {
  city: string;
  state: string;
  zips: readonly [string, string];
  area: string;
  /** Typical rent of a one-bedroom, USD. */
  baseRent: number;
}

interface DemoLandlordRow {
  first: string;
  last: string;
  email: string;
  home: HomeCity;
  stripe?: string;
}

const CITIES = {
  austin: { city: 'Austin', state: 'TX', zips: ['78704', '78745'], area: '512', baseRent: 1450 },
  dallas: { city: 'Dallas', state: 'TX', zips: ['75206', '75214'], area: '214', baseRent: 1350 },
  seattle: { city: 'Seattle', state: 'WA', zips: ['98103', '98122'], area: '206', baseRent: 1900 },
  atlanta: { city: 'Atlanta', state: 'GA', zips: ['30307', '30312'], area: '404', baseRent: 1500 },
  boston: { city: 'Boston', state: 'MA', zips: ['02116', '02130'], area: '617', baseRent: 2600 },
  chicago: { city: 'Chicago', state: 'IL', zips: ['60614', '60647'], area: '312', baseRent: 1650 },
  miami: { city: 'Miami', state: 'FL', zips: ['33133', '33137'], area: '305', baseRent: 2100 },
  sanFrancisco: { city: 'San Francisco', state: 'CA', zips: ['94110', '94117'], area: '415', baseRent: 2900 },
  nashville: { city: 'Nashville', state: 'TN', zips: ['37206', '37208'], area: '615', baseRent: 1400 },
  brooklyn: { city: 'Brooklyn', state: 'NY', zips: ['11215', '11238'], area: '718', baseRent: 2800 },
  detroit: { city: 'Detroit', state: 'MI', zips: ['48207', '48202'], area: '313', baseRent: 950 },
  denver: { city: 'Denver', state: 'CO', zips: ['80205', '80218'], area: '303', baseRent: 1600 },
  phoenix: { city: 'Phoenix', state: 'AZ', zips: ['85004', '85016'], area: '602', baseRent: 1250 },
  portland: { city: 'Portland', state: 'OR', zips: ['97214', '97202'], area: '503', baseRent: 1500 },
  raleigh: { city: 'Raleigh', state: 'NC', zips: ['27605', '27608'], area: '919', baseRent: 1300 },
  houston: { city: 'Houston', state: 'TX', zips: ['77006', '77008'], area: '713', baseRent: 1200 },
  cleveland: { city: 'Cleveland', state: 'OH', zips: ['44113', '44102'], area: '216', baseRent: 950 },
  charlotte: { city: 'Charlotte', state: 'NC', zips: ['28203', '28205'], area: '704', baseRent: 1350 },
  newOrleans: { city: 'New Orleans', state: 'LA', zips: ['70115', '70119'], area: '504', baseRent: 1250 },
  hartford: { city: 'Hartford', state: 'CT', zips: ['06106', '06105'], area: '860', baseRent: 1150 },
} satisfies Record<string, HomeCity>;

const LANDLORD_ROWS: readonly DemoLandlordRow[] = [
  { first: 'Daniel', last: 'Whitaker', email: 'daniel.whitaker@example.com', home: CITIES.austin, stripe: 'cus_PzW3kQ8vT2mLxa' },
  { first: 'Rosa', last: 'Martinez', email: 'Rosa.Martinez@example.com', home: CITIES.dallas },
  { first: 'Kevin', last: 'Nguyen', email: 'kevin.nguyen@example.net', home: CITIES.seattle },
  { first: 'Aisha', last: 'Johnson', email: 'aisha.johnson@example.com', home: CITIES.atlanta, stripe: 'cus_Q1bR7nHs4YdK2e' },
  { first: 'Michael', last: "O'Brien", email: 'mobrien.properties@example.com', home: CITIES.boston },
  { first: 'Linda', last: 'Park', email: 'linda.park@example.org', home: CITIES.chicago },
  { first: 'Carlos', last: 'Rivera', email: 'carlos@rivera-rentals.example.com', home: CITIES.miami, stripe: 'cus_Q3tX9cVw1ZpF6g' },
  { first: 'Emily', last: 'Chen', email: 'emily.chen@example.com', home: CITIES.sanFrancisco },
  { first: 'Marcus', last: 'Bell', email: 'marcus.bell@example.com', home: CITIES.nashville },
  { first: 'Sarah', last: 'Goldberg', email: 'Sarah.Goldberg@Example.com', home: CITIES.brooklyn, stripe: 'cus_Q5hM2kLq8RbN3s' },
  { first: 'Jamal', last: 'Washington', email: 'jamal.washington@example.net', home: CITIES.detroit },
  { first: 'Hannah', last: 'Schultz', email: 'hannah.schultz@example.com', home: CITIES.denver },
  { first: 'Victor', last: 'Alvarez', email: 'valvarez@example.org', home: CITIES.phoenix, stripe: 'cus_Q7jD4fGt6WcE8u' },
  { first: 'Grace', last: 'Kim', email: 'grace.kim@example.com', home: CITIES.portland },
  { first: 'Robert', last: 'Thompson', email: 'rob.thompson@example.com', home: CITIES.raleigh },
  { first: 'Priya', last: 'Patel', email: 'priya.patel@example.net', home: CITIES.houston, stripe: 'cus_Q9lF6hJy2UeA4w' },
  { first: 'Thomas', last: 'Murphy', email: 'thomas.murphy@example.com', home: CITIES.cleveland },
  { first: 'Olivia', last: 'Brooks', email: 'olivia.brooks@example.com', home: CITIES.charlotte },
  { first: 'Andre', last: 'Dubois', email: 'andre.dubois@example.org', home: CITIES.newOrleans, stripe: 'cus_QBnH8kLa5TgC7y' },
  { first: 'Natalie', last: 'Foster', email: 'natalie.foster@example.com', home: CITIES.hartford },
];

const STREETS = [
  'Maple Ave', 'Oak St', 'Cedar Ln', 'Elm St', 'Park Ave', 'Washington St', 'Lakeview Dr', 'Pine St',
  'Sunset Blvd', 'Highland Ave', 'Church St', 'Riverside Dr', 'Magnolia St', 'Chestnut St', 'Willow Way',
  'Franklin Ave', 'Jefferson St', 'Main St', 'Hillcrest Rd', 'Spring St', 'Walnut St', 'Broadway', 'Grove St',
];

/** TurboTenant-style property types, with the bedrooms such a listing usually has. */
const TYPES = [
  { type: 'apartment', label: 'Apartment', beds: [1, 2] },
  { type: 'single_family', label: 'House', beds: [3, 4] },
  { type: 'condo', label: 'Condo', beds: [1, 2] },
  { type: 'townhouse', label: 'Townhouse', beds: [2, 3] },
  { type: 'multi_family', label: 'Duplex Unit', beds: [2, 3] },
] as const;

export const DEMO_LANDLORD_COUNT = LANDLORD_ROWS.length;
export const DEMO_PROPERTY_COUNT = 50;

/** The seeded landlords, oldest change first, with their API ids. */
export function demoLandlords(): Array<{ id: string; email: string; phone: string; first_name: string; last_name: string; stripe_customer_id?: string }> {
  return LANDLORD_ROWS.map((row, i) => ({
    id: `LL_${1001 + i}`,
    email: row.email,
    phone: `(${row.home.area}) 555-01${String(10 + i).padStart(2, '0')}`,
    first_name: row.first,
    last_name: row.last,
    ...(row.stripe ? { stripe_customer_id: row.stripe } : {}),
  }));
}

/** 50 properties: landlords LL_1001..1010 own three each, the others two, all in their home city. */
export function demoProperties(): Array<{ id: string; landlord_id: string; title: string; type: string; rent: number; address: { street: string; city: string; state: string; zip: string } }> {
  return Array.from({ length: DEMO_PROPERTY_COUNT }, (_, i) => {
    const owner = i % LANDLORD_ROWS.length;
    const home = LANDLORD_ROWS[owner]!.home;
    const kind = TYPES[(i * 3 + owner) % TYPES.length]!;
    const beds = kind.beds[i % 2]!;
    const streetName = STREETS[(i * 7 + 3) % STREETS.length]!;
    const number = 100 + ((i * 379 + 41) % 4800);
    const unit = kind.type === 'apartment' || kind.type === 'condo' ? `, Apt ${1 + (i % 6)}${'ABCD'[i % 4]}` : '';
    // Rent grows about 30% a bedroom from the city's one-bedroom rent, in steps of $25.
    const rent = Math.round((home.baseRent * (1 + 0.3 * (beds - 1))) / 25) * 25;
    return {
      id: `PROP_${1001 + i}`,
      landlord_id: `LL_${1001 + owner}`,
      title: `${beds}BR ${kind.label} on ${streetName}`,
      type: kind.type,
      rent,
      address: { street: `${number} ${streetName}${unit}`, city: home.city, state: home.state, zip: home.zips[i % 2]! },
    };
  });
}

/**
 * Seeds the store with changes in the past (landlords over the last 60 days, properties over the
 * last 25), so a reconcile from "now" finds nothing and one from a week ago finds some.
 */
export function seedTurboTenant(store: TurboTenantStore, now = Date.now()): void {
  const day = 24 * 60 * 60 * 1000;
  demoLandlords().forEach((landlord, i) => store.upsertLandlord(landlord, now - 60 * day + i * day));
  demoProperties().forEach((property, i) => store.upsertProperty(property, now - 25 * day + i * 12 * 60 * 60 * 1000));
}
