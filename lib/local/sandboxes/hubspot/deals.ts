/**
 * Deals (object type 0-3): records like contacts, without an email key; `pipeline` and `dealstage`
 * must agree (the stage is one of the pipeline's), and a deal without a pipeline is put in the
 * default one, as HubSpot does.
 */
import { DEAL_PROPERTIES, DEFAULT_PIPELINE_ID, findPipeline } from './deal-properties.js';
import type { PropertyProblem } from './errors.js';
import { PropertyStore } from './properties.js';
import { objectView, pageByNum, recordSnapshot, validateProperties, type ObjectRecord, type RawProperties, type SimplePublicObject, type ValidatedWrite } from './store.js';
import type { DealSnapshot } from './types.js';

export type DealRecord = ObjectRecord;

/** Properties HubSpot returns for a deal when the request names none. */
export const DEFAULT_DEAL_PROPERTIES = ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'];
const ALWAYS_RETURNED = ['createdate', 'hs_lastmodifieddate', 'hs_object_id'];
const SYSTEM_PROPERTIES = new Set(['hs_object_id', 'hs_lastmodifieddate']);
/** Deal ids start far from contact ids, so that a deal id used as a contact's (or back) finds nothing. */
const FIRST_DEAL_ID = 7_000_001;

export function dealPropertyStore(): PropertyStore {
  return new PropertyStore(DEAL_PROPERTIES, 'dealinformation');
}

export class DealStore {
  private readonly byId = new Map<string, DealRecord>();
  private order: DealRecord[] = [];
  private nextId = FIRST_DEAL_ID;

  constructor(readonly properties: PropertyStore) {}

  reset(): void {
    this.byId.clear();
    this.order = [];
    this.nextId = FIRST_DEAL_ID;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Property values checked against the deal properties, and the stage against the pipeline it ends up in. */
  validate(input: RawProperties, existing?: DealRecord): ValidatedWrite {
    const result = validateProperties(this.properties, input);
    if (!result.ok) return result;
    const problem = stageProblem(result.values, existing);
    return problem ? { ok: false, problems: [problem] } : result;
  }

  find(id: string, archived = false): DealRecord | undefined {
    const record = this.byId.get(id);
    return record && record.archived === archived ? record : undefined;
  }

  findBy(idProperty: string | undefined, id: string, archived = false): DealRecord | undefined {
    if (idProperty === undefined || idProperty === 'hs_object_id') return this.find(id, archived);
    return this.order.find((r) => r.archived === archived && r.props.get(idProperty) === id);
  }

  create(values: Map<string, string>, now = Date.now()): DealRecord {
    const num = this.nextId++;
    const id = String(num);
    const props = new Map<string, string>();
    for (const [k, v] of values) if (v !== '') props.set(k, v);
    const iso = new Date(now).toISOString();
    if (!props.has('createdate')) props.set('createdate', iso);
    if (!props.has('pipeline')) props.set('pipeline', DEFAULT_PIPELINE_ID);
    props.set('hs_lastmodifieddate', iso);
    props.set('hs_object_id', id);
    const record: DealRecord = { id, num, props, createdAt: now, updatedAt: now, archived: false };
    this.byId.set(id, record);
    this.order.push(record);
    return record;
  }

  update(record: DealRecord, values: Map<string, string>, now = Date.now()): void {
    for (const [k, v] of values) {
      if (SYSTEM_PROPERTIES.has(k)) continue;
      if (v === '') record.props.delete(k);
      else record.props.set(k, v);
    }
    record.updatedAt = Math.max(now, record.updatedAt);
    record.props.set('hs_lastmodifieddate', new Date(record.updatedAt).toISOString());
  }

  /** Moves a deal to the recycle bin: a GET of its id is a 404 unless `archived=true` is asked. */
  archive(record: DealRecord, now = Date.now()): void {
    if (record.archived) return;
    record.archived = true;
    record.archivedAt = now;
  }

  page(after: number, limit: number, archived: boolean): { records: DealRecord[]; more: boolean } {
    return pageByNum(this.order, after, limit, archived);
  }

  view(record: DealRecord, requested?: readonly string[], withHistory?: readonly string[]): SimplePublicObject {
    return objectView(record, this.properties, { defaults: DEFAULT_DEAL_PROPERTIES, always: ALWAYS_RETURNED }, requested, withHistory);
  }

  snapshot(): DealSnapshot[] {
    return this.order.map(recordSnapshot);
  }
}

/**
 * A write that sets the pipeline or the stage must leave a stage of the deal's pipeline (the one
 * written, else the deal's, else the default). Unknown pipelines and stages have already failed
 * as options of `pipeline` and `dealstage`; this catches a stage of another pipeline.
 */
function stageProblem(values: Map<string, string>, existing: DealRecord | undefined): PropertyProblem | undefined {
  if (!values.has('pipeline') && !values.has('dealstage')) return undefined;
  const pipelineId = values.get('pipeline') || existing?.props.get('pipeline') || DEFAULT_PIPELINE_ID;
  const stage = values.has('dealstage') ? values.get('dealstage') : existing?.props.get('dealstage');
  const pipeline = findPipeline(pipelineId);
  if (!stage || !pipeline || pipeline.stages.some((s) => s.id === stage)) return undefined;
  return {
    name: 'dealstage',
    error: 'INVALID_OPTION',
    message: `${stage} is not a valid stage of pipeline ${pipelineId}. Valid stages: [${pipeline.stages.map((s) => s.id).join(', ')}]`,
  };
}
