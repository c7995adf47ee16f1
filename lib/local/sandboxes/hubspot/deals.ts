/**
 * Deals (object type 0-3): records like contacts, without an email key; `pipeline` and `dealstage`
 * must agree (the stage is one of the pipeline's), and a deal without a pipeline is put in the
 * default one, as HubSpot does.
 */
import { DEAL_PROPERTIES, DEFAULT_PIPELINE_ID, findPipeline } from './deal-properties.js';
import type { PropertyProblem } from './errors.js';
import { ObjectStore } from './objects.js';
import { PropertyStore } from './properties.js';
import type { ObjectRecord, RawProperties, ValidatedWrite } from './store.js';

export type DealRecord = ObjectRecord;

/** Properties HubSpot returns for a deal when the request names none. */
export const DEFAULT_DEAL_PROPERTIES = ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'];
const ALWAYS_RETURNED = ['createdate', 'hs_lastmodifieddate', 'hs_object_id'];
/** Deal ids start far from contact ids, so that a deal id used as a contact's (or back) finds nothing. */
const FIRST_DEAL_ID = 7_000_001;

export function dealPropertyStore(): PropertyStore {
  return new PropertyStore(DEAL_PROPERTIES, 'dealinformation');
}

export class DealStore extends ObjectStore {
  constructor(properties: PropertyStore) {
    super(properties, {
      firstId: FIRST_DEAL_ID,
      createdProperty: 'createdate',
      defaults: DEFAULT_DEAL_PROPERTIES,
      always: ALWAYS_RETURNED,
      initial: { pipeline: DEFAULT_PIPELINE_ID },
    });
  }

  /** Property values checked against the deal properties, and the stage against the pipeline it ends up in. */
  override validate(input: RawProperties, existing?: DealRecord): ValidatedWrite {
    const result = super.validate(input, existing);
    if (!result.ok) return result;
    const problem = stageProblem(result.values, existing);
    return problem ? { ok: false, problems: [problem] } : result;
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
