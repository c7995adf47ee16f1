import { describe, expect, it } from 'vitest';
import type { Lead } from '../../functions/core/lead.js';
import { makeHandler, type OperationsDeps } from '../../functions/lead-operations/handler.js';
import { scheduleEvent } from '../../lib/local/scheduler.js';
import { topologyFor } from '../../lib/topology.js';
import { FakeDeadLetters, InMemoryLeadStore, RecordingQueue, storedLead } from './support/fakes.js';
import { answer, contractError, httpEvent, lambdaContext } from './support/lambda.js';

const NOW = new Date('2025-10-12T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function lead(id: string, hubspot: Partial<Lead['hubspot']>, changedMinutesAgo: number): Lead {
  return storedLead(id, { email: `${id}@example.com` }, { hubspot, statusChangedAt: minutesAgo(changedMinutesAgo) });
}

function setup(leads: readonly Lead[], dlqWaiting = 0) {
  const store = new InMemoryLeadStore(leads);
  const queue = new RecordingQueue();
  const deadLetters = new FakeDeadLetters(dlqWaiting);
  const deps: OperationsDeps = { leads: store, queue, deadLetters, inspector: deadLetters, stuckAfterMinutes: 15, now: () => NOW };
  return { store, queue, deadLetters, handler: makeHandler(() => deps) };
}

const leads = () => [
  lead('rejected', { syncStatus: 'FAILED', failureKind: 'rejected', error: 'bad phone' }, 600),
  lead('exhausted', { syncStatus: 'FAILED', failureKind: 'exhausted', error: '502' }, 600),
  lead('stuck', { syncStatus: 'PENDING' }, 60),
  lead('fresh', { syncStatus: 'PENDING' }, 1),
  lead('synced', { syncStatus: 'SYNCED', id: '9' }, 600),
];

describe('lead-operations handler', () => {
  it('POST /internal/leads/resync-failed requeues every FAILED lead, redrives the DLQ and answers the counts', async () => {
    // Prepare
    const { queue, deadLetters, handler } = setup(leads(), 2);
    const event = httpEvent({ method: 'POST', route: '/internal/leads/resync-failed' });

    // Act
    const response = answer(await handler(event, lambdaContext('lead-operations')));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ requeued: 2, redriven: 2 });
    expect(queue.queuedIds.sort()).toEqual(['exhausted', 'rejected']);
    expect(deadLetters.redrives).toBe(1);
  });

  it('runs the reconciliation on the lead-reconcile schedule event', async () => {
    // Prepare
    const { store, queue, deadLetters, handler } = setup(leads(), 2);

    // Act
    const report = await handler({ schedule: 'lead-reconcile', action: 'reconcile' }, lambdaContext('lead-operations'));

    // Assess
    expect(report).toEqual({ requeued: 2, redriven: 0 });
    expect(queue.queuedIds.sort()).toEqual(['exhausted', 'stuck']);
    expect(store.leads.get('rejected')!.hubspot.syncStatus).toBe('FAILED');
    expect(deadLetters.redrives).toBe(0);
  });

  it('understands the event the topology\'s schedule sends', async () => {
    // Prepare
    const { queue, handler } = setup(leads());
    const spec = topologyFor('dev').schedules.find((s) => s.function === 'lead-operations');
    expect(spec).toBeDefined();

    // Act
    await handler(scheduleEvent(spec!) as { schedule: string; action: 'reconcile' }, lambdaContext('lead-operations'));

    // Assess
    expect(queue.queuedIds.length).toBeGreaterThan(0);
  });

  it('GET /internal/status answers leads waiting per status and the queue depths', async () => {
    // Prepare
    const { handler } = setup(leads(), 3);

    // Act
    const response = answer(await handler(httpEvent({ method: 'GET', route: '/internal/status' }), lambdaContext('lead-operations')));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      leads: { PENDING: 2, FAILED: 2, RETRYING: 0 },
      queues: { 'lead-sync': { deadLetter: { visible: 3 } } },
    });
  });

  it('answers 500 in the error shape when the store fails, without leaking the cause', async () => {
    // Prepare
    const { store, handler } = setup([]);
    store.listByStatus = async () => {
      throw new Error('AccessDeniedException: arn:aws:dynamodb:us-east-1:123456789012:table/leads');
    };

    // Act
    const response = answer(await handler(httpEvent({ method: 'POST', route: '/internal/leads/resync-failed' }), lambdaContext('lead-operations')));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(contractError(response).message).not.toContain('arn:aws');
  });
});
