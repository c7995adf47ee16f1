/**
 * The HubSpot-defined properties of listings (object type 0-420) and of every custom object type.
 * The listing set is the part of HubSpot's that a property-management sync uses (address, price,
 * rooms, size, type); the listings API document itself names no properties.
 */
import { enumOptions, RECORD_ID_PROPERTY, type PropertySeed } from './properties.js';

const READ_ONLY = { archivable: false, readOnlyDefinition: true, readOnlyValue: true };

/** What every object type but contacts and deals has: its record id and its dates. */
export function systemProperties(singular: string): PropertySeed[] {
  return [
    RECORD_ID_PROPERTY,
    {
      name: 'hs_createdate',
      label: 'Object create date/time',
      type: 'datetime',
      fieldType: 'date',
      description: `The date and time at which this ${singular} was created. This value is automatically set by HubSpot.`,
      modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
    },
    {
      name: 'hs_lastmodifieddate',
      label: 'Object last modified date/time',
      type: 'datetime',
      fieldType: 'date',
      description: `Most recent timestamp of any property update for this ${singular}. This includes HubSpot internal properties, which can be visible or hidden. This property is updated automatically.`,
      modificationMetadata: READ_ONLY,
    },
  ];
}

export const LISTING_PROPERTIES: PropertySeed[] = [
  { name: 'hs_name', label: 'Listing name', type: 'string', fieldType: 'text', description: 'The name of the listing.' },
  { name: 'hs_address_1', label: 'Address 1', type: 'string', fieldType: 'text', description: 'The street address of the listing.' },
  { name: 'hs_address_2', label: 'Address 2', type: 'string', fieldType: 'text', description: 'The second line of the street address (apartment, unit).' },
  { name: 'hs_city', label: 'City', type: 'string', fieldType: 'text', description: 'The city of the listing.' },
  { name: 'hs_state_province', label: 'State/Province', type: 'string', fieldType: 'text', description: 'The state or province of the listing.' },
  { name: 'hs_zip', label: 'Zip', type: 'string', fieldType: 'text', description: 'The postal code of the listing.' },
  { name: 'hs_neighborhood', label: 'Neighborhood', type: 'string', fieldType: 'text', description: 'The neighborhood of the listing.' },
  { name: 'hs_price', label: 'Price', type: 'number', fieldType: 'number', numberDisplayHint: 'currency', description: 'The price of the listing.' },
  { name: 'hs_bedrooms', label: 'Bedrooms', type: 'number', fieldType: 'number', description: 'The number of bedrooms.' },
  { name: 'hs_bathrooms', label: 'Bathrooms', type: 'number', fieldType: 'number', description: 'The number of bathrooms.' },
  { name: 'hs_square_footage', label: 'Square footage', type: 'number', fieldType: 'number', description: 'The living area in square feet.' },
  { name: 'hs_lot_size', label: 'Lot size', type: 'number', fieldType: 'number', description: 'The lot size in square feet.' },
  { name: 'hs_year_built', label: 'Year built', type: 'number', fieldType: 'number', description: 'The year the building was built.' },
  {
    name: 'hs_listing_type',
    label: 'Listing type',
    type: 'enumeration',
    fieldType: 'select',
    description: 'The type of the listing.',
    options: enumOptions([
      ['house', 'House'],
      ['townhouse', 'Townhouse'],
      ['multi_family', 'Multi-family'],
      ['condos_co_ops', 'Condos/Co-ops'],
      ['lots_land', 'Lots/Land'],
      ['apartments', 'Apartments'],
      ['manufactured', 'Manufactured'],
    ]),
  },
  {
    name: 'hubspot_owner_id',
    label: 'Listing owner',
    type: 'enumeration',
    fieldType: 'select',
    externalOptions: true,
    referencedObjectType: 'OWNER',
    description: 'The owner of the listing.',
  },
  ...systemProperties('listing'),
];
