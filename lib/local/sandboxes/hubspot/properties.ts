import { httpError, validationError, type PropertyProblem } from './errors.js';

export type PropertyType = 'bool' | 'date' | 'datetime' | 'enumeration' | 'number' | 'phone_number' | 'string';
export type FieldType =
  | 'booleancheckbox'
  | 'calculation_equation'
  | 'checkbox'
  | 'date'
  | 'file'
  | 'html'
  | 'number'
  | 'phonenumber'
  | 'radio'
  | 'select'
  | 'text'
  | 'textarea';

export interface PropertyOption {
  label: string;
  value: string;
  description?: string;
  displayOrder?: number;
  hidden: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  description: string;
  groupName: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined?: boolean;
  formField: boolean;
  modificationMetadata: {
    archivable: boolean;
    readOnlyDefinition: boolean;
    readOnlyValue: boolean;
    readOnlyOptions?: boolean;
  };
  dataSensitivity: 'non_sensitive' | 'sensitive' | 'highly_sensitive';
  textDisplayHint?: string;
  numberDisplayHint?: string;
  referencedObjectType?: string;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  createdUserId?: string;
  updatedUserId?: string;
}

/** Field types HubSpot accepts for each property type (properties API guide). */
export const FIELD_TYPES_BY_TYPE: Record<PropertyType, FieldType[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['file', 'text', 'textarea', 'calculation_equation', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
  phone_number: ['phonenumber'],
};

/** A HubSpot-defined property: what differs from the defaults of `standardDefinition`. */
export type PropertySeed = Partial<PropertyDefinition> & Pick<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType'>;

export const enumOptions = (pairs: Array<[string, string]>): PropertyOption[] =>
  pairs.map(([value, label], i) => ({ label, value, description: '', displayOrder: i, hidden: false }));

/** Every record's id, which HubSpot sets (contacts, listings, custom objects). */
export const RECORD_ID_PROPERTY: PropertySeed = {
  name: 'hs_object_id',
  label: 'Record ID',
  type: 'number',
  fieldType: 'number',
  calculated: false,
  description: 'The unique ID for this record. This value is automatically set by HubSpot and may not be modified.',
  modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
};

/** The contact properties every portal has (the ones this project reads or writes, and a few more). */
export const STANDARD_PROPERTIES: PropertySeed[] = [
  { name: 'email', label: 'Email', type: 'string', fieldType: 'text', textDisplayHint: 'email', description: "A contact's email address" },
  { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text', description: "A contact's first name" },
  { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text', description: "A contact's last name" },
  { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber', description: "A contact's primary phone number" },
  { name: 'mobilephone', label: 'Mobile Phone Number', type: 'string', fieldType: 'phonenumber', description: "A contact's mobile phone number" },
  { name: 'message', label: 'Message', type: 'string', fieldType: 'textarea', groupName: 'conversioninformation', description: 'A default property to be used for any message or comments a contact may want to leave on a form.' },
  { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text', description: 'Name of the contact\'s company.' },
  { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text', description: "A contact's job title" },
  { name: 'website', label: 'Website URL', type: 'string', fieldType: 'text', description: "Associated company's website" },
  { name: 'address', label: 'Street Address', type: 'string', fieldType: 'text', description: "Contact's street address, including apartment or unit number." },
  { name: 'city', label: 'City', type: 'string', fieldType: 'text', description: "A contact's city of residence" },
  { name: 'state', label: 'State/Region', type: 'string', fieldType: 'text', description: "The contact's state of residence." },
  { name: 'zip', label: 'Postal Code', type: 'string', fieldType: 'text', description: "Contact's zip code." },
  { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text', description: "The contact's country/region of residence." },
  {
    name: 'lifecyclestage',
    label: 'Lifecycle Stage',
    type: 'enumeration',
    fieldType: 'radio',
    description: 'The qualification of contacts to sales readiness.',
    options: enumOptions([
      ['subscriber', 'Subscriber'],
      ['lead', 'Lead'],
      ['marketingqualifiedlead', 'Marketing Qualified Lead'],
      ['salesqualifiedlead', 'Sales Qualified Lead'],
      ['opportunity', 'Opportunity'],
      ['customer', 'Customer'],
      ['evangelist', 'Evangelist'],
      ['other', 'Other'],
    ]),
  },
  {
    name: 'hs_lead_status',
    label: 'Lead Status',
    type: 'enumeration',
    fieldType: 'radio',
    description: "The contact's sales, prospecting or outreach status",
    options: enumOptions([
      ['NEW', 'New'],
      ['OPEN', 'Open'],
      ['IN_PROGRESS', 'In Progress'],
      ['OPEN_DEAL', 'Open Deal'],
      ['UNQUALIFIED', 'Unqualified'],
      ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
      ['CONNECTED', 'Connected'],
      ['BAD_TIMING', 'Bad Timing'],
    ]),
  },
  {
    name: 'hubspot_owner_id',
    label: 'Contact owner',
    type: 'enumeration',
    fieldType: 'select',
    externalOptions: true,
    referencedObjectType: 'OWNER',
    groupName: 'sales_properties',
    description: 'The owner of a contact.',
  },
  RECORD_ID_PROPERTY,
  {
    name: 'createdate',
    label: 'Create Date',
    type: 'datetime',
    fieldType: 'date',
    description: 'The date that a contact entered the system',
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
  },
  {
    name: 'lastmodifieddate',
    label: 'Last Modified Date',
    type: 'datetime',
    fieldType: 'date',
    description: 'Most recent timestamp of any property update for a contact.',
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
  },
];

const EPOCH = '2019-08-06T02:43:01.930Z';

function standardDefinition(seed: PropertySeed, index: number, groupName: string): PropertyDefinition {
  return {
    description: '',
    groupName,
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: true,
    formField: seed.type !== 'datetime' && seed.name !== 'hs_object_id',
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false, readOnlyOptions: false },
    dataSensitivity: 'non_sensitive',
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archived: false,
    ...seed,
    ...(seed.displayOrder === undefined ? { displayOrder: index } : {}),
  };
}

export interface PropertyCreateInput {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  groupName: string;
  description?: string;
  options?: PropertyOption[];
  displayOrder?: number;
  hasUniqueValue?: boolean;
  hidden?: boolean;
  formField?: boolean;
  externalOptions?: boolean;
  referencedObjectType?: string;
  dataSensitivity?: PropertyDefinition['dataSensitivity'];
  textDisplayHint?: string;
  numberDisplayHint?: string;
  calculationFormula?: string;
}

export type PropertyUpdateInput = Partial<Omit<PropertyCreateInput, 'name' | 'hasUniqueValue' | 'externalOptions' | 'referencedObjectType' | 'dataSensitivity'>>;

const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

function checkTypeCombination(name: string, type: PropertyType, fieldType: FieldType, options: PropertyOption[] | undefined): void {
  if (!FIELD_TYPES_BY_TYPE[type].includes(fieldType)) {
    throw validationError(`Property ${name} of type ${type} cannot use fieldType ${fieldType}. Allowed field types: ${FIELD_TYPES_BY_TYPE[type].join(', ')}`, {
      context: { fieldType: [fieldType] },
    });
  }
  if (options) {
    const seen = new Set<string>();
    for (const option of options) {
      if (seen.has(option.value)) {
        throw validationError(`Duplicate option value '${option.value}' on property ${name}.`, { context: { options: [option.value] } });
      }
      seen.add(option.value);
    }
  }
}

/** One object type's properties: HubSpot's own (`seeds`, contacts' by default) and those created through the API. */
export class PropertyStore {
  private readonly byName = new Map<string, PropertyDefinition>();

  constructor(
    private readonly seeds: readonly PropertySeed[] = STANDARD_PROPERTIES,
    private readonly defaultGroup = 'contactinformation',
  ) {
    this.reset();
  }

  reset(): void {
    this.byName.clear();
    this.seeds.forEach((seed, i) => this.byName.set(seed.name, standardDefinition(seed, i, this.defaultGroup)));
  }

  get(name: string): PropertyDefinition | undefined {
    const def = this.byName.get(name);
    return def && !def.archived ? def : undefined;
  }

  find(name: string, archived: boolean): PropertyDefinition | undefined {
    const def = this.byName.get(name);
    return def && def.archived === archived ? def : undefined;
  }

  list(archived: boolean): PropertyDefinition[] {
    return [...this.byName.values()].filter((d) => d.archived === archived);
  }

  create(input: PropertyCreateInput): PropertyDefinition {
    if (!PROPERTY_NAME.test(input.name)) {
      throw validationError(
        `Property name '${input.name}' is invalid. Property names must start with a lowercase letter and contain only lowercase letters, numbers and underscores.`,
        { context: { name: [input.name] } },
      );
    }
    const existing = this.byName.get(input.name);
    if (existing && !existing.archived) {
      throw httpError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${input.name}' already exists.`, {
        context: { name: [input.name] },
        subCategory: 'PropertyValidationError.PROPERTY_EXISTS',
      });
    }
    checkTypeCombination(input.name, input.type, input.fieldType, input.options);
    const now = new Date().toISOString();
    const def: PropertyDefinition = {
      name: input.name,
      label: input.label,
      type: input.type,
      fieldType: input.fieldType,
      description: input.description ?? '',
      groupName: input.groupName,
      options: (input.options ?? []).map((o, i) => ({ ...o, description: o.description ?? '', displayOrder: o.displayOrder ?? i, hidden: o.hidden ?? false })),
      displayOrder: input.displayOrder ?? -1,
      calculated: false,
      externalOptions: input.externalOptions ?? false,
      hasUniqueValue: input.hasUniqueValue ?? false,
      hidden: input.hidden ?? false,
      formField: input.formField ?? false,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false, readOnlyOptions: false },
      dataSensitivity: input.dataSensitivity ?? 'non_sensitive',
      ...(input.textDisplayHint ? { textDisplayHint: input.textDisplayHint } : {}),
      ...(input.numberDisplayHint ? { numberDisplayHint: input.numberDisplayHint } : {}),
      ...(input.referencedObjectType ? { referencedObjectType: input.referencedObjectType } : {}),
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    this.byName.set(def.name, def);
    return def;
  }

  update(name: string, patch: PropertyUpdateInput): PropertyDefinition {
    const def = this.get(name);
    if (!def) throw propertyNotFound(name);
    const touchesDefinition = patch.type !== undefined || patch.fieldType !== undefined || patch.groupName !== undefined;
    if (def.modificationMetadata.readOnlyDefinition && touchesDefinition) {
      throw validationError(`Property ${name} is a HubSpot defined property; its definition is read-only.`, { context: { propertyName: [name] } });
    }
    if (def.modificationMetadata.readOnlyOptions && patch.options !== undefined) {
      throw validationError(`The options of property ${name} are read-only.`, { context: { propertyName: [name] } });
    }
    const type = patch.type ?? def.type;
    const fieldType = patch.fieldType ?? def.fieldType;
    checkTypeCombination(name, type, fieldType, patch.options);
    if (patch.label !== undefined) def.label = patch.label;
    if (patch.description !== undefined) def.description = patch.description;
    if (patch.groupName !== undefined) def.groupName = patch.groupName;
    if (patch.displayOrder !== undefined) def.displayOrder = patch.displayOrder;
    if (patch.hidden !== undefined) def.hidden = patch.hidden;
    if (patch.formField !== undefined) def.formField = patch.formField;
    if (patch.textDisplayHint !== undefined) def.textDisplayHint = patch.textDisplayHint;
    if (patch.numberDisplayHint !== undefined) def.numberDisplayHint = patch.numberDisplayHint;
    if (patch.options !== undefined) {
      def.options = patch.options.map((o, i) => ({ ...o, description: o.description ?? '', displayOrder: o.displayOrder ?? i, hidden: o.hidden ?? false }));
    }
    def.type = type;
    def.fieldType = fieldType;
    def.updatedAt = new Date().toISOString();
    return def;
  }

  archive(name: string): void {
    const def = this.get(name);
    if (!def) return;
    if (!def.modificationMetadata.archivable) {
      throw validationError(`Property ${name} is a HubSpot defined property and cannot be archived.`, { context: { propertyName: [name] } });
    }
    def.archived = true;
    def.archivedAt = new Date().toISOString();
  }
}

export function propertyNotFound(name: string) {
  return httpError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name}`, {
    context: { name: [name] },
    subCategory: 'PropertyValidationError.PROPERTY_NOT_FOUND',
  });
}

const EMAIL =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,}$/i;

export function isValidEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value) && !value.includes('..');
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MS = /^-?\d+$/;

function parseInstant(raw: string): number | undefined {
  if (EPOCH_MS.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
}

export function instantOf(raw: string): number | undefined {
  if (DATE_ONLY.test(raw)) return Date.parse(`${raw}T00:00:00.000Z`);
  return parseInstant(raw);
}

export type NormalizedValue = { ok: true; value: string } | { ok: false; problem: PropertyProblem };

const bad = (name: string, error: string, message: string): NormalizedValue => ({ ok: false, problem: { name, error, message } });

/** As in HubSpot, an empty string clears the property and is always accepted. */
export function normalizeValue(def: PropertyDefinition, raw: string): NormalizedValue {
  const name = def.name;
  if (def.modificationMetadata.readOnlyValue) {
    return bad(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`);
  }
  if (raw === '') return { ok: true, value: '' };
  if (name === 'email') {
    const email = raw.trim();
    if (!isValidEmail(email)) return bad(name, 'INVALID_EMAIL', `Email address ${raw} is invalid`);
    return { ok: true, value: email.toLowerCase() };
  }
  switch (def.type) {
    case 'number': {
      const trimmed = raw.trim();
      if (!NUMBER.test(trimmed) || !Number.isFinite(Number(trimmed))) return bad(name, 'INVALID_NUMBER', `${raw} was not a valid number.`);
      return { ok: true, value: trimmed };
    }
    case 'bool': {
      const lower = raw.trim().toLowerCase();
      if (lower !== 'true' && lower !== 'false') return bad(name, 'INVALID_BOOLEAN', `${raw} was not a valid boolean (true or false).`);
      return { ok: true, value: lower };
    }
    case 'date': {
      const ms = instantOf(raw.trim());
      if (ms === undefined) return bad(name, 'INVALID_DATE', `${raw} is not a valid date. Use midnight UTC in epoch milliseconds or YYYY-MM-DD.`);
      const iso = new Date(ms).toISOString();
      if (!iso.endsWith('T00:00:00.000Z')) return bad(name, 'INVALID_DATE', `${raw} is at ${iso.slice(11, 23)} UTC, not midnight!`);
      return { ok: true, value: iso.slice(0, 10) };
    }
    case 'datetime': {
      const ms = parseInstant(raw.trim());
      if (ms === undefined) return bad(name, 'INVALID_DATETIME', `${raw} is not a valid datetime. Use epoch milliseconds or an ISO 8601 timestamp.`);
      return { ok: true, value: new Date(ms).toISOString() };
    }
    case 'enumeration': {
      if (def.externalOptions) return { ok: true, value: raw };
      if (def.fieldType === 'booleancheckbox' && def.options.length === 0) {
        const lower = raw.trim().toLowerCase();
        if (lower === 'true' || lower === 'false') return { ok: true, value: lower };
      }
      const allowed = new Set(def.options.map((o) => o.value));
      const values = def.fieldType === 'checkbox' ? raw.split(';').filter((v) => v !== '') : [raw];
      for (const v of values) {
        if (!allowed.has(v)) {
          const list = def.options.map((o) => o.value).join(', ');
          return bad(name, 'INVALID_OPTION', `${v} was not one of the allowed options: [${list}]`);
        }
      }
      return { ok: true, value: values.join(';') };
    }
    default:
      if (raw.length > 65_536) return bad(name, 'INVALID_STRING', `The value of ${name} exceeds the 65536 character limit.`);
      return { ok: true, value: raw };
  }
}
