/**
 * A message a queue's writer sends parses with the schema its consumer reads it with
 * (runtime/queue-messages.ts): a writer that drifted would land every message in the DLQ.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { acceptWebhookEvents } from '../../functions/core/webhook-intake.js';
import { HubSpotEventsMessageSchema, LeadMessageSchema, TurboTenantEventsMessageSchema } from '../../functions/runtime/queue-messages.js';
import { parseBody } from '../../functions/runtime/sqs-consumer.js';
import { SqsLeadQueue } from '../../functions/runtime/sqs-queue.js';
import { makeHandler } from '../../functions/turbotenant-events/handler.js';
import { RecordingSender, T0 } from './support/fakes.js';
import { httpEvent, lambdaContext } from './support/lambda.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const hubspotEvent = (eventId: number, portalId: number) => ({
  eventId,
  subscriptionId: 12345,
  portalId,
  appId: 54321,
  occurredAt: 1760263200000,
  subscriptionType: 'contact.propertyChange',
  objectId: 123,
  propertyName: 'firstname',
  propertyValue: 'Ana',
});

describe('queue messages', () => {
  it('lead-sync: a lead the queue adapter enqueues is read back by the consumer', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({});
    const queue = new SqsLeadQueue(new SQSClient({}), { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/lead-sync' });

    // Act
    await queue.enqueue(['lead-ana']);

    // Assess
    const body = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!;
    expect(parseBody(body, LeadMessageSchema)).toEqual({ payload: { leadId: 'lead-ana' } });
  });

  it('hubspot-events: the webhook intake\'s messages, queued as received or split by portal, are read back', async () => {
    // Prepare
    const single = [hubspotEvent(1, 62515), hubspotEvent(2, 62515)];
    const mixed = [hubspotEvent(3, 62515), hubspotEvent(4, 70001)];
    const queue = new RecordingSender();

    // Act
    await acceptWebhookEvents(single, { queue, rawEvents: JSON.stringify(single), now: () => T0 });
    await acceptWebhookEvents(mixed, { queue, now: () => T0 });

    // Assess
    const read = queue.bodies.map((body) => parseBody(body, HubSpotEventsMessageSchema));
    expect(read.map((r) => ('payload' in r ? [r.payload.portalId, r.payload.events.map((e) => e.eventId)] : r.problem))).toEqual([
      [62515, [1, 2]],
      [62515, [3]],
      [70001, [4]],
    ]);
  });

  it('turbotenant-events: the event route\'s message is read back as the event it accepted', async () => {
    // Prepare
    const secret = 'tt-test-signing-secret';
    const queue = new RecordingSender();
    const handler = makeHandler(() => ({
      webhookSecret: async () => secret,
      confirmations: { accept: async () => 'new' as const, get: async () => undefined },
      mappings: { get: async () => undefined },
      queue,
      now: () => T0,
    }));
    const raw = JSON.stringify({
      event_id: 'evt_lead_01',
      event_type: 'lead_created',
      occurred_at: '2025-10-12T21:53:00Z',
      landlord_id: 'LL_1001',
      property_id: 'PROP_1001',
      lead: { id: 'L_1', email: 'Ana@Example.com ', first_name: 'Ana' },
      metadata: { utm_source: 'connectlinx', platform_source: 'viviaturbo.live' },
    });

    // Act
    await handler(
      httpEvent({ method: 'POST', route: '/events/turbotenant', headers: { 'content-type': 'application/json', ...turboTenantSignatureHeaders(secret, raw, T0.getTime()) }, body: raw }),
      lambdaContext('turbotenant-events'),
    );

    // Assess
    expect(queue.bodies).toHaveLength(1);
    const written = JSON.parse(queue.bodies[0]!);
    expect(written.event).toMatchObject({ eventId: 'evt_lead_01', type: 'lead_created', lead: { id: 'L_1', email: 'ana@example.com' }, metadata: { utm_source: 'connectlinx' } });
    // Read back whole: nothing the writer sent is refused or lost.
    expect(parseBody(queue.bodies[0]!, TurboTenantEventsMessageSchema)).toEqual({ payload: written });
  });

  it('a body that is not its queue\'s message is refused, naming the field and never the value', () => {
    // Act
    const read = parseBody(JSON.stringify({ event: { eventId: 'evt_1', lead: { email: 'ana@example.com' } } }), TurboTenantEventsMessageSchema);

    // Assess
    expect(read).toHaveProperty('problem');
    expect(JSON.stringify(read)).toContain('event.type');
    expect(JSON.stringify(read)).not.toContain('ana@example.com');
  });
});
