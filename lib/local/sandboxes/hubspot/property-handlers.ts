import { boolParam, listParam, type Handler } from './crm.js';
import { propertyNotFound } from './properties.js';
import { parseBody, PropertyCreateInput, PropertyUpdateInput } from './schemas.js';

/** `/crm/properties/2026-09/{objectType}` (and legacy `/crm/v3/properties/…`): on the object type's property store (`Services.properties`). */
export const listProperties: Handler = ({ url }, { properties }) => {
  const only = listParam(url, 'properties');
  let defs = properties.list(boolParam(url, 'archived'));
  if (only) defs = defs.filter((d) => only.includes(d.name));
  return { status: 200, body: { results: defs } };
};

export const getProperty: Handler = ({ url, params }, { properties }) => {
  const name = decodeURIComponent(params[0] ?? '');
  const def = properties.find(name, boolParam(url, 'archived'));
  if (!def) throw propertyNotFound(name);
  return { status: 200, body: def };
};

export const createProperty: Handler = ({ body }, { properties }) => {
  return { status: 201, body: properties.create(parseBody(PropertyCreateInput, body)) };
};

export const updateProperty: Handler = ({ params, body }, { properties }) => {
  return { status: 200, body: properties.update(decodeURIComponent(params[0] ?? ''), parseBody(PropertyUpdateInput, body)) };
};

export const archiveProperty: Handler = ({ params }, { properties }) => {
  properties.archive(decodeURIComponent(params[0] ?? ''));
  return { status: 204 };
};
