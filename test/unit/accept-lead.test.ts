import { describe, expect, it } from 'vitest';
import { acceptLead, type AcceptLeadDeps } from '../../functions/core/accept-lead.js';
import { LeadInputSchema } from '../../functions/core/lead.js';
import { InMemoryLeadStore, RecordingLog, RecordingQueue, T0 } from './support/fakes.js';

function setup() {
  const store = new InMemoryLeadStore();
  const queue = new RecordingQueue(store.operations);
  const log = new RecordingLog();
  const deps: AcceptLeadDeps = { leads: store, queue, newId: () => 'lead-1', now: () => T0, log };
  return { store, queue, log, deps };
}

const input = LeadInputSchema.parse({ email: ' Ana@Example.com', firstName: 'Ana', source: 'web_form' });

describe('acceptLead', () => {
  it('stores the lead PENDING first, then queues it', async () => {
    // Prepare
    const { store, queue, deps } = setup();

    // Act
    const accepted = await acceptLead(input, deps);

    // Assess
    expect(accepted).toEqual({ leadId: 'lead-1', status: 'PENDING' });
    expect(store.operations).toEqual(['create:lead-1', 'enqueue:lead-1']);
    expect(store.leads.get('lead-1')).toMatchObject({
      email: 'ana@example.com',
      firstName: 'Ana',
      createdAt: T0.toISOString(),
      hubspot: { syncStatus: 'PENDING', attempts: 0 },
      crmMetadata: { sourceSystem: 'platform' },
    });
    expect(queue.queuedIds).toEqual(['lead-1']);
  });

  it('still accepts the lead when the queue is down: it stays PENDING and the failure is logged', async () => {
    // Prepare
    const { store, queue, log, deps } = setup();
    queue.throws = new Error('SQS unavailable');

    // Act
    const accepted = await acceptLead(input, deps);

    // Assess
    expect(accepted).toEqual({ leadId: 'lead-1', status: 'PENDING' });
    expect(store.leads.get('lead-1')!.hubspot.syncStatus).toBe('PENDING');
    expect(log.at('error')).toContainEqual(expect.objectContaining({ attributes: expect.objectContaining({ leadId: 'lead-1' }) }));
  });

  it('still accepts the lead when SQS refuses its message, and says so in the log', async () => {
    // Prepare
    const { store, queue, log, deps } = setup();
    queue.refuse.add('lead-1');

    // Act
    const accepted = await acceptLead(input, deps);

    // Assess
    expect(accepted.status).toBe('PENDING');
    expect(store.leads.get('lead-1')!.hubspot.syncStatus).toBe('PENDING');
    expect([...log.at('warn'), ...log.at('error')].some((e) => e.attributes.leadId === 'lead-1')).toBe(true);
  });

  it('queues nothing when the lead could not be stored', async () => {
    // Prepare
    const { store, queue, deps } = setup();
    store.failCreate = new Error('DynamoDB throttled');

    // Act
    const attempt = acceptLead(input, deps);

    // Assess
    await expect(attempt).rejects.toThrow('DynamoDB throttled');
    expect(queue.sent).toEqual([]);
  });
});
