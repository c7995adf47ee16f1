import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../functions/core/errors.js';
import type { Lead } from '../../functions/core/lead.js';
import { makeHandler, type OutboundDeps } from '../../functions/lead-outbound/handler.js';
import { FakeHubSpot, InMemoryLeadStore, RecordingQueue, RecordingRetries, storedLead } from './support/fakes.js';
import { lambdaContext, sqsEvent, sqsRecord } from './support/lambda.js';

function setup(leads: readonly Lead[]) {
  const store = new InMemoryLeadStore(leads);
  const hubspot = new FakeHubSpot();
  const retries = new RecordingRetries();
  const requeue = new RecordingQueue();
  const deps: OutboundDeps = {
    leads: store,
    hubspot,
    retries,
    requeue: (leadIds, delaySeconds) => requeue.enqueue(leadIds, { delaySeconds }),
    platformSource: 'platform',
    maxReceiveCount: 8,
    now: () => new Date('2025-10-12T12:00:00.000Z'),
    random: () => 0.5,
  };
  const handler = makeHandler(() => deps);
  return { store, hubspot, retries, handler };
}

const leadMessage = (leadId: string) => JSON.stringify({ leadId });
const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier).sort();

const ana = storedLead('lead-ana', { email: 'ana@example.com' });
const bo = storedLead('lead-bo', { email: 'bo@example.com' });
const cy = storedLead('lead-cy', { email: 'cy@example.com' });

describe('lead-outbound handler', () => {
  it('reports no failures when every lead was synced', async () => {
    // Prepare
    const { store, hubspot, handler } = setup([ana, bo]);
    const event = sqsEvent([sqsRecord('m1', leadMessage('lead-ana')), sqsRecord('m2', leadMessage('lead-bo'))]);

    // Act
    const response = await handler(event, lambdaContext('lead-outbound'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(hubspot.calls).toHaveLength(1);
    expect(store.leads.get('lead-ana')!.hubspot.syncStatus).toBe('SYNCED');
    expect(store.leads.get('lead-bo')!.hubspot.syncStatus).toBe('SYNCED');
  });

  it('reports exactly the messages to retry and the unparsable ones; rejected leads are not retried', async () => {
    // Prepare
    const { store, hubspot, retries, handler } = setup([ana, bo, cy]);
    hubspot.behaviour = (inputs) => {
      // Ana written, Bo refused by HubSpot, Cy missing from the answer (retry).
      const written = hubspot.writeAll(inputs.filter((i) => i.email === 'ana@example.com')).written;
      return { written, rejected: new Map([['bo@example.com', 'INVALID_EMAIL: Email address bo@example.com is invalid']]) };
    };
    const event = sqsEvent([
      sqsRecord('ok', leadMessage('lead-ana')),
      sqsRecord('rejected', leadMessage('lead-bo')),
      sqsRecord('retry', leadMessage('lead-cy'), 2),
      sqsRecord('not-json', '{"leadId":'),
      sqsRecord('no-lead-id', JSON.stringify({ lead: 'lead-ana' })),
      sqsRecord('empty-lead-id', JSON.stringify({ leadId: '' })),
    ]);

    // Act
    const response = await handler(event, lambdaContext('lead-outbound'));

    // Assess
    expect(failedIds(response)).toEqual(['empty-lead-id', 'no-lead-id', 'not-json', 'retry']);
    expect(store.leads.get('lead-bo')!.hubspot.syncStatus).toBe('FAILED');
    expect(store.leads.get('lead-cy')!.hubspot.syncStatus).toBe('RETRYING');
    expect(retries.items.map((i) => i.receiptHandle)).toEqual(['rh-retry']);
  });

  it('lists every record, without a function error, when the whole batch must be retried', async () => {
    // Prepare
    const { hubspot, handler } = setup([ana, bo]);
    hubspot.behaviour = () => {
      throw new RetryableError('HubSpot 503: service unavailable');
    };
    const event = sqsEvent([sqsRecord('m1', leadMessage('lead-ana')), sqsRecord('m2', leadMessage('lead-bo'))]);

    // Act
    const response = await handler(event, lambdaContext('lead-outbound'));

    // Assess
    expect(failedIds(response)).toEqual(['m1', 'm2']);
  });

  it('passes SQS\'s receive count on: the last receive of a failing lead leaves it FAILED', async () => {
    // Prepare
    const { store, hubspot, retries, handler } = setup([ana]);
    hubspot.behaviour = () => {
      throw new RetryableError('HubSpot 500: internal error');
    };

    // Act
    const response = await handler(sqsEvent([sqsRecord('m1', leadMessage('lead-ana'), 8)]), lambdaContext('lead-outbound'));

    // Assess
    expect(failedIds(response)).toEqual(['m1']);
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ syncStatus: 'FAILED', failureKind: 'exhausted' });
    expect(retries.items).toEqual([{ receiptHandle: 'rh-m1', delaySeconds: 0 }]);
  });

  it('defers the batch without calling HubSpot when the invocation is about to time out', async () => {
    // Prepare
    const { hubspot, handler } = setup([ana]);

    // Act
    const response = await handler(sqsEvent([sqsRecord('m1', leadMessage('lead-ana'))]), lambdaContext('lead-outbound', 2_000));

    // Assess
    expect(hubspot.calls).toEqual([]);
    expect(failedIds(response)).toEqual(['m1']);
  });
});
