/**
 * Deals' HubSpot-defined properties and pipelines. A portal starts with one deal pipeline,
 * `default` ("Sales Pipeline"), whose stages are HubSpot's default sales stages; `dealstage` takes
 * the internal id of a stage of the deal's pipeline, `pipeline` the internal id of a pipeline.
 */
import { enumOptions, type PropertySeed } from './properties.js';

export interface DealStage {
  id: string;
  label: string;
  /** Win probability HubSpot forecasts with (0 to 1). */
  probability: number;
  closed: boolean;
}

export interface DealPipeline {
  id: string;
  label: string;
  stages: DealStage[];
}

export const DEFAULT_PIPELINE_ID = 'default';

export const DEAL_PIPELINES: readonly DealPipeline[] = [
  {
    id: DEFAULT_PIPELINE_ID,
    label: 'Sales Pipeline',
    stages: [
      { id: 'appointmentscheduled', label: 'Appointment Scheduled', probability: 0.2, closed: false },
      { id: 'qualifiedtobuy', label: 'Qualified To Buy', probability: 0.4, closed: false },
      { id: 'presentationscheduled', label: 'Presentation Scheduled', probability: 0.6, closed: false },
      { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', probability: 0.8, closed: false },
      { id: 'contractsent', label: 'Contract Sent', probability: 0.9, closed: false },
      { id: 'closedwon', label: 'Closed Won', probability: 1, closed: true },
      { id: 'closedlost', label: 'Closed Lost', probability: 0, closed: true },
    ],
  },
];

const READ_ONLY = { archivable: false, readOnlyDefinition: true, readOnlyValue: true };

export const DEAL_PROPERTIES: PropertySeed[] = [
  { name: 'dealname', label: 'Deal Name', type: 'string', fieldType: 'text', description: 'The name given to this deal.' },
  { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number', numberDisplayHint: 'currency', description: 'The total amount of the deal' },
  {
    name: 'pipeline',
    label: 'Pipeline',
    type: 'enumeration',
    fieldType: 'select',
    description: 'The pipeline the deal is in. This determines which stages are options for the deal.',
    options: enumOptions(DEAL_PIPELINES.map((p) => [p.id, p.label])),
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false, readOnlyOptions: true },
  },
  {
    name: 'dealstage',
    label: 'Deal Stage',
    type: 'enumeration',
    fieldType: 'radio',
    description: 'The stage of the deal. Deal stages allow you to categorize and track the progress of the deals that you are working on.',
    options: enumOptions(DEAL_PIPELINES.flatMap((p) => p.stages.map((s): [string, string] => [s.id, s.label]))),
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false, readOnlyOptions: true },
  },
  { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date', description: 'Date the deal was closed. Set automatically by HubSpot.' },
  {
    name: 'dealtype',
    label: 'Deal Type',
    type: 'enumeration',
    fieldType: 'radio',
    description: 'The type of deal. By default, categorize your deal as either New Business or Existing Business.',
    options: enumOptions([
      ['newbusiness', 'New Business'],
      ['existingbusiness', 'Existing Business'],
    ]),
  },
  { name: 'description', label: 'Deal Description', type: 'string', fieldType: 'textarea', description: 'Description of the deal' },
  {
    name: 'hubspot_owner_id',
    label: 'Deal owner',
    type: 'enumeration',
    fieldType: 'select',
    externalOptions: true,
    referencedObjectType: 'OWNER',
    description: 'User the deal is assigned to.',
  },
  {
    name: 'createdate',
    label: 'Create Date',
    type: 'datetime',
    fieldType: 'date',
    description: 'The date the deal was created. This property is set automatically by HubSpot.',
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
  },
  {
    name: 'hs_lastmodifieddate',
    label: 'Last Modified Date',
    type: 'datetime',
    fieldType: 'date',
    description: 'Most recent timestamp of any property update for this deal.',
    modificationMetadata: READ_ONLY,
  },
  {
    name: 'hs_object_id',
    label: 'Record ID',
    type: 'number',
    fieldType: 'number',
    description: 'The unique ID for this record. This value is automatically set by HubSpot and may not be modified.',
    modificationMetadata: READ_ONLY,
  },
];

export function findPipeline(id: string): DealPipeline | undefined {
  return DEAL_PIPELINES.find((p) => p.id === id);
}
