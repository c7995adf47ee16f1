/**
 * The association labels API (`/crm/associations/2026-09/{fromObjectType}/{toObjectType}/labels`,
 * the shape HubSpot documents for 2026-03; legacy `/crm/associations/v4/…/labels`, the
 * associations schema API v4): the types from one object type to another (the unlabeled one and
 * the labels), creating a USER_DEFINED label (both ways: 200 with the new types, this direction
 * first), renaming one (204) and deleting one (204; associations lose it). A label's `name` is
 * unique for the pair (409 otherwise). The object types may be named as any association path
 * names them (`contacts`, `contact`, `0-1`, `0-420`, `2-…`, `p<portalId>_<name>`).
 */
import { ID, objectTypeOf, specWithLabel, TYPE } from './associations.js';
import type { Handler, Route, Services } from './crm.js';
import { validationError } from './errors.js';
import { LabelCreateInput, LabelUpdateInput, parseBody } from './schemas.js';
import { LABELS_BASE } from './versions.js';

/** HubSpot's rule for a label's internal name: no hyphens, not starting with a digit. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const pairOf = (s: Services, params: string[]) => [objectTypeOf(s, params[0] ?? ''), objectTypeOf(s, params[1] ?? '')] as const;

/** GET: CollectionResponseAssociationSpecWithLabelNoPaging (no results for two types that cannot be associated). */
export const listLabels: Handler = ({ params }, s) => {
  const [from, to] = pairOf(s, params);
  return { status: 200, body: { results: s.associationTypes.between(from, to).map(specWithLabel) } };
};

/** POST: PublicAssociationDefinitionCreateRequest → 200 with the label's two types. */
export const createLabel: Handler = ({ params, body }, s) => {
  const [from, to] = pairOf(s, params);
  const input = parseBody(LabelCreateInput, body);
  if (!LABEL_NAME.test(input.name)) {
    throw validationError(`Association label name '${input.name}' is invalid: it may hold letters, digits and underscores and may not start with a digit.`, {
      context: { name: [input.name] },
    });
  }
  return { status: 200, body: { results: s.associationTypes.createLabel(from, to, input).map(specWithLabel) } };
};

/** PUT: PublicAssociationDefinitionUpdateRequest → 204. */
export const updateLabel: Handler = ({ params, body }, s) => {
  const [from, to] = pairOf(s, params);
  const input = parseBody(LabelUpdateInput, body);
  s.associationTypes.updateLabel(from, to, input.associationTypeId, input.label, input.inverseLabel);
  return { status: 204 };
};

/** DELETE …/labels/{associationTypeId} → 204; the label (both ways) is gone from every association. */
export const deleteLabel: Handler = ({ params }, s) => {
  const [from, to] = pairOf(s, params);
  const raw = decodeURIComponent(params[2] ?? '');
  const typeId = Number(raw);
  if (!Number.isInteger(typeId)) throw validationError(`associationTypeId must be an integer, got '${raw}'`, { context: { associationTypeId: [raw] } });
  for (const type of s.associationTypes.deleteLabel(from, to, typeId)) s.associations.forgetType(type);
  return { status: 204 };
};

const LABELS = `${LABELS_BASE}/${TYPE}/${TYPE}/labels`;

export const LABEL_ROUTES: Route[] = [
  { pattern: new RegExp(`^${LABELS}/?$`), methods: { GET: listLabels, POST: createLabel, PUT: updateLabel } },
  { pattern: new RegExp(`^${LABELS}/${ID}/?$`), methods: { DELETE: deleteLabel } },
];
