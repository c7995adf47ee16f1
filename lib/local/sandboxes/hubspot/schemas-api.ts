/**
 * The schemas API (`/crm-object-schemas/2026-09/schemas`, legacy `/crm-object-schemas/v3/schemas`):
 * custom object types. A create (ObjectSchemaEgg; on 2026-09 it must also say
 * `allowsSensitiveProperties`, `searchableProperties` and `secondaryDisplayProperties`)
 * makes the type, with objectTypeId `2-<n>` and fullyQualifiedName `p<portalId>_<name>`, its
 * properties (those given plus HubSpot's hs_object_id, hs_createdate, hs_lastmodifieddate) and an
 * association definition to each of its `associatedObjects` (USER_DEFINED, unlabeled, both ways);
 * the same name again is a 409. A schema is read by its id, objectTypeId, fully qualified name or
 * name; association definitions to more object types are added through
 * `POST …/schemas/{objectType}/associations`.
 */
import type { AssociationType, AssociationTypes } from './association-types.js';
import type { Handler, Route } from './crm.js';
import { httpError, validationError } from './errors.js';
import { customPropertyStore, type CustomObjectType, type ObjectTypes } from './object-types.js';
import { AssociationDefinitionEggInput, DatedObjectSchemaEggInput, ObjectSchemaEggInput, parseBody } from './schemas.js';
import type { AssociationDefinitionSnapshot, ObjectSchemaSnapshot } from './types.js';
import { SCHEMAS_BASE } from './versions.js';

const SCHEMA_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

interface SchemaServices {
  objectTypes: ObjectTypes;
  associationTypes: AssociationTypes;
}

/** What a read includes (the `include…` query parameters, all true by default). */
interface SchemaParts {
  properties: boolean;
  associations: boolean;
  audit: boolean;
}

const ALL_PARTS: SchemaParts = { properties: true, associations: true, audit: true };

function partsOf(url: URL): SchemaParts {
  const on = (name: string) => url.searchParams.get(name)?.toLowerCase() !== 'false';
  return { properties: on('includePropertyDefinitions'), associations: on('includeAssociationDefinitions'), audit: on('includeAuditMetadata') };
}

/** AssociationDefinition. */
function definitionView(s: SchemaServices, t: AssociationType): AssociationDefinitionSnapshot {
  return {
    id: String(t.typeId),
    fromObjectTypeId: s.objectTypes.objectTypeIdOf(t.from),
    toObjectTypeId: s.objectTypes.objectTypeIdOf(t.to),
    name: t.name,
    createdAt: t.createdAt!,
    updatedAt: t.updatedAt!,
  };
}

/** ObjectSchema. */
export function schemaView(s: SchemaServices, type: CustomObjectType, parts: SchemaParts = ALL_PARTS): ObjectSchemaSnapshot {
  return {
    id: type.id,
    objectTypeId: type.objectTypeId,
    fullyQualifiedName: type.fullyQualifiedName,
    name: type.name,
    labels: type.labels,
    ...(type.description !== undefined ? { description: type.description } : {}),
    ...(type.primaryDisplayProperty !== undefined ? { primaryDisplayProperty: type.primaryDisplayProperty } : {}),
    requiredProperties: type.requiredProperties,
    searchableProperties: type.searchableProperties,
    secondaryDisplayProperties: type.secondaryDisplayProperties,
    allowsSensitiveProperties: type.allowsSensitiveProperties,
    properties: parts.properties ? type.properties.list(false) : [],
    associations: parts.associations ? s.associationTypes.definitions(type.key).map((t) => definitionView(s, t)) : [],
    archived: false,
    ...(parts.audit ? { createdAt: type.createdAt, updatedAt: type.updatedAt } : {}),
  };
}

function requireSchema(s: SchemaServices, raw: string): CustomObjectType {
  const type = s.objectTypes.findCustom(raw);
  if (!type) throw httpError(404, 'OBJECT_NOT_FOUND', `Unable to find object type ${raw}`, { context: { objectType: [raw] } });
  return type;
}

/** An object type a schema names (`CONTACT`, `DEAL`, `0-420`, `2-…`, a fully qualified name), as an association key. */
function associatedKey(s: SchemaServices, raw: string, field: string): string {
  const key = s.objectTypes.keyOf(raw);
  if (!key) {
    throw validationError(`${field} names ${raw}, an object type the sandbox does not have (it has CONTACT, DEAL, 0-420 and its custom object types).`, {
      context: { [field]: [raw] },
    });
  }
  return key;
}

/** Defines the association from a custom type to another one, both ways; returns this direction. */
function defineAssociation(s: SchemaServices, type: CustomObjectType, toKey: string, name?: string): AssociationType {
  const other = s.objectTypes.singularOf(toKey).replace(/\W+/g, '_');
  return s.associationTypes.define(type.key, toKey, name ?? `${type.name}_to_${other}`, `${other}_to_${type.name}`);
}

export const listSchemas: Handler = ({ url }, s) => {
  const archived = url.searchParams.get('archived')?.toLowerCase() === 'true';
  const parts = partsOf(url);
  return { status: 200, body: { results: archived ? [] : s.objectTypes.customTypes().map((t) => schemaView(s, t, parts)) } };
};

export const getSchema: Handler = ({ url, params }, s) => {
  return { status: 200, body: schemaView(s, requireSchema(s, decodeURIComponent(params[0] ?? '')), partsOf(url)) };
};

export const createSchema: Handler = ({ body, dated }, s) => {
  const egg = parseBody(dated ? DatedObjectSchemaEggInput : ObjectSchemaEggInput, body);
  if (!SCHEMA_NAME.test(egg.name)) {
    throw validationError(`Object type name '${egg.name}' is invalid: it must start with a letter and hold only letters, digits and underscores.`, { context: { name: [egg.name] } });
  }
  const existing = s.objectTypes.findCustom(egg.name);
  if (existing) {
    throw httpError(409, 'OBJECT_ALREADY_EXISTS', `Object type with name '${egg.name}' already exists: ${existing.objectTypeId} (${existing.fullyQualifiedName}).`, {
      context: { name: [egg.name] },
    });
  }
  if (s.objectTypes.keyOf(egg.name)) {
    throw validationError(`Object type name '${egg.name}' is reserved for a HubSpot object type.`, { context: { name: [egg.name] } });
  }
  const associated = [...new Set(egg.associatedObjects.map((raw) => associatedKey(s, raw, 'associatedObjects')))];
  const properties = customPropertyStore(egg.name);
  for (const property of egg.properties) properties.create({ ...property, groupName: property.groupName ?? `${egg.name}_information` });
  const references: Array<[string, readonly string[]]> = [
    ['requiredProperties', egg.requiredProperties],
    ['searchableProperties', egg.searchableProperties ?? []],
    ['secondaryDisplayProperties', egg.secondaryDisplayProperties ?? []],
    ['primaryDisplayProperty', egg.primaryDisplayProperty === undefined ? [] : [egg.primaryDisplayProperty]],
  ];
  for (const [field, names] of references) {
    const unknown = names.filter((name) => !properties.get(name));
    if (unknown.length) {
      throw validationError(`${field} names properties that are not defined for ${egg.name}: ${unknown.join(', ')}`, { context: { [field]: unknown } });
    }
  }
  const type = s.objectTypes.addCustom({
    name: egg.name,
    labels: egg.labels,
    ...(egg.description !== undefined ? { description: egg.description } : {}),
    ...(egg.primaryDisplayProperty !== undefined ? { primaryDisplayProperty: egg.primaryDisplayProperty } : {}),
    requiredProperties: egg.requiredProperties,
    searchableProperties: egg.searchableProperties ?? [],
    secondaryDisplayProperties: egg.secondaryDisplayProperties ?? [],
    allowsSensitiveProperties: egg.allowsSensitiveProperties ?? false,
    properties,
  });
  for (const key of associated) defineAssociation(s, type, key);
  return { status: 201, body: schemaView(s, type) };
};

/** POST …/schemas/{objectType}/associations (AssociationDefinitionEgg) → 201 AssociationDefinition; 409 if the two are associated already. */
export const createSchemaAssociation: Handler = ({ params, body }, s) => {
  const type = requireSchema(s, decodeURIComponent(params[0] ?? ''));
  const egg = parseBody(AssociationDefinitionEggInput, body);
  if (associatedKey(s, egg.fromObjectTypeId, 'fromObjectTypeId') !== type.key) {
    throw validationError(`fromObjectTypeId ${egg.fromObjectTypeId} is not the schema's object type ${type.objectTypeId}.`, { context: { fromObjectTypeId: [egg.fromObjectTypeId] } });
  }
  const forward = defineAssociation(s, type, associatedKey(s, egg.toObjectTypeId, 'toObjectTypeId'), egg.name);
  return { status: 201, body: definitionView(s, forward) };
};

export const SCHEMA_ROUTES: Route[] = [
  { pattern: new RegExp(`^${SCHEMAS_BASE}/?$`), methods: { GET: listSchemas, POST: createSchema } },
  { pattern: new RegExp(`^${SCHEMAS_BASE}/([^/]+)/?$`), methods: { GET: getSchema } },
  { pattern: new RegExp(`^${SCHEMAS_BASE}/([^/]+)/associations/?$`), methods: { POST: createSchemaAssociation } },
];
