import { describe, expect, it } from 'vitest';
import { MisconfiguredError, PermanentError, RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import type { Lead } from '../../functions/core/lead.js';
import { syncLeadBatch, type LeadSyncDeps, type LeadSyncMessage } from '../../functions/core/lead-sync.js';
import { UnsetSecretError } from '../../functions/core/secret-policy.js';
import { FakeHubSpot, InMemoryLeadStore, RecordingLog, RecordingRetries, storedLead } from './support/fakes.js';

const NOW = new Date('2025-10-12T12:00:00.000Z');
const PLATFORM = 'viviaturbo.live';
const MAX_RECEIVES = 5;

function message(leadId: string, receiveCount = 1, id = `m-${leadId}-${receiveCount}`): LeadSyncMessage {
  return { messageId: id, receiptHandle: `rh-${id}`, leadId, receiveCount };
}

function setup(leads: readonly Lead[], overrides: Partial<LeadSyncDeps> = {}) {
  const store = new InMemoryLeadStore(leads);
  const hubspot = new FakeHubSpot();
  const retries = new RecordingRetries();
  const log = new RecordingLog();
  const requeued: { leadIds: string[]; delaySeconds: number }[] = [];
  const requeueRefuses = new Set<string>();
  const deps: LeadSyncDeps = {
    leads: store,
    hubspot,
    retries,
    requeue: async (leadIds, delaySeconds) => {
      requeued.push({ leadIds: [...leadIds], delaySeconds });
      return { failed: leadIds.filter((id) => requeueRefuses.has(id)) };
    },
    platformSource: PLATFORM,
    maxReceiveCount: MAX_RECEIVES,
    now: () => NOW,
    random: () => 0.5,
    remainingTimeMs: () => 25_000,
    log,
    ...overrides,
  };
  return { store, hubspot, retries, log, requeued, requeueRefuses, deps };
}

const ana = () =>
  storedLead('lead-ana', {
    email: '  Ana@Example.COM ',
    firstName: 'Ana',
    lastName: 'Ruiz',
    phone: '+341234567',
    message: 'Interested in ...',
    source: 'web_form',
  });
const bo = () => storedLead('lead-bo', { email: 'bo@example.com', firstName: 'Bo' });
const cy = () => storedLead('lead-cy', { email: 'cy@example.com' });
const di = () => storedLead('lead-di', { email: 'di@example.com' });

describe('syncLeadBatch', () => {
  it('sends one batch as one upsert keyed by the normalised email, marked with the platform source', async () => {
    // Prepare
    const { hubspot, deps } = setup([ana(), bo(), cy()]);

    // Act
    await syncLeadBatch([message('lead-ana'), message('lead-bo'), message('lead-cy')], deps);

    // Assess
    expect(hubspot.calls).toHaveLength(1);
    const inputs = hubspot.calls[0]!;
    expect(inputs.map((i) => i.email).sort()).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com']);
    // Seed 004's payload reference, plus the origin marker of the contract.
    expect(inputs.find((i) => i.email === 'ana@example.com')?.properties).toEqual({
      email: 'ana@example.com',
      firstname: 'Ana',
      lastname: 'Ruiz',
      phone: '+341234567',
      message: 'Interested in ...',
      lead_source_system: PLATFORM,
    });
    // Fields the lead does not have are not sent, so values kept in HubSpot are never blanked.
    expect(inputs.find((i) => i.email === 'cy@example.com')?.properties).toEqual({ email: 'cy@example.com', lead_source_system: PLATFORM });
  });

  it('splits a batch of more than 100 emails into HubSpot calls of at most 100, made at once, and syncs every lead', async () => {
    // Prepare: 250 leads; each call is answered only once all three have been made.
    const leads = Array.from({ length: 250 }, (_, i) => storedLead(`lead-${i}`, { email: `lead${i}@example.com` }));
    const { store, hubspot, deps } = setup(leads);
    let inFlight = 0;
    let mostInFlight = 0;
    const write = hubspot.behaviour;
    const allMade = new Promise<void>((resolve) => {
      hubspot.upsertByEmail = async (inputs, options) => {
        hubspot.calls.push([...inputs]);
        hubspot.callOptions.push(options);
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        if (hubspot.calls.length === 3) resolve();
        await allMade;
        inFlight -= 1;
        return write(inputs);
      };
    });

    // Act
    const report = await syncLeadBatch(leads.map((lead) => message(lead.leadId)), deps);

    // Assess
    expect(hubspot.calls.map((inputs) => inputs.length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(new Set(hubspot.calls.flat().map((input) => input.email)).size).toBe(250);
    expect(mostInFlight).toBe(3);
    expect(report.counts.synced).toBe(250);
    expect(report.failedMessageIds.size).toBe(0);
    expect(report.hubspotCalls).toBe(3);
    expect((await store.getMany(leads.map((lead) => lead.leadId))).size).toBe(250);
    for (const lead of (await store.getMany(leads.map((l) => l.leadId))).values()) expect(lead.hubspot.syncStatus).toBe('SYNCED');
  });

  it('keeps the HubSpot call within the time the function has left', async () => {
    // Prepare
    const { hubspot, deps } = setup([bo()], { remainingTimeMs: () => 12_000 });

    // Act
    await syncLeadBatch([message('lead-bo')], deps);

    // Assess
    const options = hubspot.callOptions[0]!;
    expect(options.maxWaitMs + options.timeoutMs).toBeLessThan(12_000);
  });

  it('writes SYNCED with the contact id and whether HubSpot created it, and acknowledges every message', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([ana(), bo()]);
    hubspot.contacts.set('bo@example.com', '777'); // Bo is already a contact

    // Act
    const report = await syncLeadBatch([message('lead-ana'), message('lead-bo')], deps);

    // Assess
    const anaNow = store.leads.get('lead-ana')!;
    expect(anaNow.hubspot).toMatchObject({
      id: hubspot.contacts.get('ana@example.com'),
      syncStatus: 'SYNCED',
      syncedAt: NOW.toISOString(),
      lastAttemptAt: NOW.toISOString(),
      attempts: 1,
    });
    expect(anaNow.hubspot.error).toBeUndefined();
    expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({ id: '777', syncStatus: 'SYNCED' });
    const results = store.recorded.flat();
    expect(results).toContainEqual(expect.objectContaining({ kind: 'synced', leadId: 'lead-ana', created: true }));
    expect(results).toContainEqual(expect.objectContaining({ kind: 'synced', leadId: 'lead-bo', hubspotId: '777', created: false }));
    expect(report.failedMessageIds.size).toBe(0);
    expect(report.counts).toMatchObject({ synced: 2, created: 1 });
  });

  it('sends a lead delivered twice in the batch once and acknowledges both messages', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([bo()]);
    const first = message('lead-bo', 1, 'm1');
    const second = message('lead-bo', 1, 'm2');

    // Act
    const report = await syncLeadBatch([first, second], deps);

    // Assess
    expect(hubspot.calls).toHaveLength(1);
    expect(hubspot.calls[0]).toHaveLength(1);
    expect(store.leads.get('lead-bo')!.hubspot.syncStatus).toBe('SYNCED');
    expect(store.recorded.flat()).toHaveLength(1);
    expect(report.failedMessageIds.size).toBe(0);
  });

  it('sends two leads with the same email as one input with the newest values; both get the contact id', async () => {
    // Prepare
    const older = storedLead('lead-old', { email: 'same@example.com', firstName: 'Old' }, { updatedAt: '2025-10-01T00:00:00.000Z' });
    const newer = storedLead('lead-new', { email: 'SAME@example.com', firstName: 'New' }, { updatedAt: '2025-10-11T00:00:00.000Z' });
    const { store, hubspot, deps } = setup([older, newer]);

    // Act
    const report = await syncLeadBatch([message('lead-new'), message('lead-old')], deps);

    // Assess
    expect(hubspot.calls).toHaveLength(1);
    expect(hubspot.calls[0]).toEqual([{ email: 'same@example.com', properties: expect.objectContaining({ firstname: 'New' }) }]);
    const contactId = hubspot.contacts.get('same@example.com');
    expect(store.leads.get('lead-old')!.hubspot).toMatchObject({ id: contactId, syncStatus: 'SYNCED' });
    expect(store.leads.get('lead-new')!.hubspot).toMatchObject({ id: contactId, syncStatus: 'SYNCED' });
    expect(report.failedMessageIds.size).toBe(0);
  });

  it('does not call HubSpot again for a lead already SYNCED with the same values (duplicate delivery)', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([bo()]);
    await syncLeadBatch([message('lead-bo', 1, 'first')], deps);
    const synced = store.leads.get('lead-bo')!;

    // Act
    const report = await syncLeadBatch([message('lead-bo', 1, 'again')], deps);

    // Assess
    expect(hubspot.calls).toHaveLength(1);
    expect(store.leads.get('lead-bo')).toEqual(synced);
    expect(report.failedMessageIds.size).toBe(0);
  });

  it('sends a SYNCED lead again once its values changed', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([bo()]);
    await syncLeadBatch([message('lead-bo', 1, 'first')], deps);
    const synced = store.leads.get('lead-bo')!;
    store.leads.set('lead-bo', { ...synced, phone: '+15550100' });

    // Act
    await syncLeadBatch([message('lead-bo', 1, 'changed')], deps);

    // Assess
    expect(hubspot.calls).toHaveLength(2);
    expect(hubspot.calls[1]![0]!.properties).toMatchObject({ phone: '+15550100' });
  });

  it('fails only the lead HubSpot rejected, with HubSpot\'s reason, and acknowledges its message', async () => {
    // Prepare
    const { store, hubspot, retries, deps } = setup([ana(), bo(), cy()]);
    hubspot.behaviour = (inputs) => {
      const accepted = hubspot.writeAll(inputs.filter((i) => i.email !== 'bo@example.com'));
      return { written: accepted.written, rejected: new Map([['bo@example.com', 'VALIDATION_ERROR: Property values were not valid']]) };
    };

    // Act
    const report = await syncLeadBatch([message('lead-ana'), message('lead-bo'), message('lead-cy')], deps);

    // Assess
    expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({
      syncStatus: 'FAILED',
      failureKind: 'rejected',
      error: expect.stringContaining('Property values were not valid'),
      attempts: 1,
    });
    expect(store.leads.get('lead-ana')!.hubspot.syncStatus).toBe('SYNCED');
    expect(store.leads.get('lead-cy')!.hubspot.syncStatus).toBe('SYNCED');
    // Retrying the same data cannot help: the message is acknowledged, not handed back.
    expect(report.failedMessageIds.size).toBe(0);
    expect(retries.items).toEqual([]);
  });

  describe('leads of several portals (issue 12 §5)', () => {
    it('upserts each portal\'s leads with that portal\'s contacts, and the primary\'s with the primary', async () => {
      // Prepare: Ana names no portal (the primary); Bo names portal 777.
      const bo777 = { ...bo(), portalId: '777' };
      const other = new FakeHubSpot();
      const asked: string[] = [];
      const { store, hubspot, deps } = setup([ana(), bo777], {
        hubspotFor: async (portalId) => {
          asked.push(portalId);
          return other;
        },
      });
      // Act
      await syncLeadBatch([message('lead-ana'), message('lead-bo')], deps);
      // Assess
      expect(asked).toEqual(['777']);
      expect(hubspot.calls.map((c) => c.map((i) => i.email))).toEqual([['ana@example.com']]);
      expect(other.calls.map((c) => c.map((i) => i.email))).toEqual([['bo@example.com']]);
      expect(store.leads.get('lead-bo')!.hubspot.syncStatus).toBe('SYNCED');
      expect(store.leads.get('lead-ana')!.hubspot.syncStatus).toBe('SYNCED');
    });

    it('keeps a lead of a portal that cannot be served RETRYING with the reason, and syncs the others', async () => {
      const bo777 = { ...bo(), portalId: '777' };
      const unserved = new FakeHubSpot();
      unserved.behaviour = () => {
        throw new MisconfiguredError('HubSpot portal 777 is not served here: install the OAuth app in it');
      };
      const { store, deps } = setup([ana(), bo777], { hubspotFor: async () => unserved });
      await syncLeadBatch([message('lead-ana'), message('lead-bo')], deps);
      expect(store.leads.get('lead-ana')!.hubspot.syncStatus).toBe('SYNCED');
      expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({ syncStatus: 'RETRYING', error: expect.stringContaining('portal 777 is not served here') });
    });
  });

  describe('an access token that is not set (issue 12 §2)', () => {
    it('keeps each lead RETRYING with the reason, then FAILED with it at the last attempt; no HubSpot call counted', async () => {
      // Prepare: the token field still holds the stack's placeholder.
      const { store, hubspot, retries, deps } = setup([ana(), bo()]);
      hubspot.behaviour = () => {
        throw new UnsetSecretError('hubspot.accessToken', 'placeholder');
      };
      // Act
      const report = await syncLeadBatch([message('lead-ana', 1, 'ma'), message('lead-bo', MAX_RECEIVES, 'mb')], deps);
      // Assess
      expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ syncStatus: 'RETRYING', error: 'Secret hubspot.accessToken still holds the placeholder REPLACE_ME' });
      expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({ syncStatus: 'FAILED', error: expect.stringContaining('hubspot.accessToken still holds the placeholder') });
      expect(report.hubspotCalls).toBe(0);
      expect(retries.delayOf('rh-ma')).toBeGreaterThan(0);
      expect(retries.delayOf('rh-mb')).toBe(0);
    });
  });

  describe('transient HubSpot failures', () => {
    it('marks every lead RETRYING and hands the messages back with a backoff', async () => {
      // Prepare
      const { store, hubspot, retries, deps } = setup([ana(), bo()]);
      hubspot.behaviour = () => {
        throw new RetryableError('HubSpot 502: Bad Gateway');
      };

      // Act
      const report = await syncLeadBatch([message('lead-ana', 2, 'ma'), message('lead-bo', 2, 'mb')], deps);

      // Assess
      for (const id of ['lead-ana', 'lead-bo']) {
        expect(store.leads.get(id)!.hubspot).toMatchObject({ syncStatus: 'RETRYING', error: expect.stringContaining('502'), attempts: 1 });
      }
      expect([...report.failedMessageIds].sort()).toEqual(['ma', 'mb']);
      expect(retries.items.map((i) => i.receiptHandle).sort()).toEqual(['rh-ma', 'rh-mb']);
      for (const item of retries.items) expect(item.delaySeconds).toBeGreaterThan(0);
    });

    it('waits longer the more often a message was received', async () => {
      // Prepare
      const delayAt = async (receiveCount: number) => {
        const { hubspot, retries, deps } = setup([bo()]);
        hubspot.behaviour = () => {
          throw new RetryableError('HubSpot GET timed out after 10000 ms');
        };
        await syncLeadBatch([message('lead-bo', receiveCount, 'm')], deps);
        return retries.delayOf('rh-m')!;
      };

      // Act
      const delays = [await delayAt(1), await delayAt(2), await delayAt(4)];

      // Assess
      expect(delays[0]).toBeGreaterThanOrEqual(1);
      expect(delays[1]).toBeGreaterThan(delays[0]!);
      expect(delays[2]).toBeGreaterThan(delays[1]!);
    });

    it('never retries sooner than HubSpot asked (Retry-After)', async () => {
      // Prepare
      const { hubspot, retries, deps } = setup([bo()]);
      hubspot.behaviour = () => {
        throw new RetryableError('HubSpot 503: maintenance', 120_000);
      };

      // Act
      await syncLeadBatch([message('lead-bo', 1, 'm')], deps);

      // Assess
      expect(retries.delayOf('rh-m')).toBeGreaterThanOrEqual(120);
    });

    it('treats a 429 HubSpot answered as a deferral, never an attempt: the lead is untouched and waits at least its Retry-After (issue 13 §3)', async () => {
      // Prepare
      const before = bo();
      const { store, hubspot, retries, requeued, deps } = setup([before]);
      hubspot.behaviour = () => {
        throw new RateLimitedError('HubSpot rate limit (429)', 30_000, true);
      };

      // Act: early, and on the receive before the last one.
      const early = await syncLeadBatch([message('lead-bo', 1, 'm')], deps);
      const late = await syncLeadBatch([message('lead-bo', MAX_RECEIVES - 1, 'n')], deps);

      // Assess: no attempt recorded; the early message waits, the late one goes out as a fresh
      // message instead of reaching the DLQ.
      expect(store.leads.get('lead-bo')).toEqual(before);
      expect(early.failedMessageIds.has('m')).toBe(true);
      expect(retries.delayOf('rh-m')).toBeGreaterThanOrEqual(30);
      expect(late.failedMessageIds.has('n')).toBe(false);
      expect(requeued).toEqual([{ leadIds: ['lead-bo'], delaySeconds: 30 }]);
      expect(early.hubspotCalls + late.hubspotCalls).toBe(2);
    });

    it('on the last receive marks the lead FAILED "exhausted" and lets SQS move the message to the DLQ at once', async () => {
      // Prepare
      const { store, hubspot, retries, deps } = setup([bo()]);
      hubspot.behaviour = () => {
        throw new RetryableError('HubSpot 500: internal error');
      };

      // Act
      const report = await syncLeadBatch([message('lead-bo', MAX_RECEIVES, 'm')], deps);

      // Assess
      expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({
        syncStatus: 'FAILED',
        failureKind: 'exhausted',
        error: expect.stringContaining('HubSpot 500: internal error'),
      });
      expect(report.failedMessageIds.has('m')).toBe(true);
      expect(retries.delayOf('rh-m')).toBe(0);
    });
  });

  describe('held back by our own rate budget (no request made)', () => {
    const spent = () => {
      throw new RateLimitedError('HubSpot rate limit budget spent; next slot in 4500 ms', 4_500, false);
    };

    it('when the budget is spent before the batch starts, reads nothing and returns the batch for its promised slot', async () => {
      // Prepare
      const { store, hubspot, retries, deps } = setup([bo(), cy()]);
      // Longer than one rate window: more than the invocation waits in-process.
      hubspot.budgetWait = 15_000;
      hubspot.heldSlotMs = 15_600;
      const reads = store.getManyCalls;

      // Act
      const report = await syncLeadBatch([message('lead-bo', 1, 'a'), message('lead-cy', 1, 'b')], deps);

      // Assess
      expect(hubspot.calls).toHaveLength(0);
      expect(store.getManyCalls).toBe(reads);
      expect(hubspot.slotsHeld).toBe(1);
      expect([...report.failedMessageIds].sort()).toEqual(['a', 'b']);
      expect(retries.delayOf('rh-a')).toBe(15);
      expect(retries.delayOf('rh-b')).toBe(15);
      expect(store.recorded.flat()).toEqual([]);
    });

    it('waits in-process for a slot up to one rate window, when the invocation can afford it', async () => {
      const { store, hubspot, deps } = setup([bo()]);
      hubspot.budgetWait = 8_000;

      const report = await syncLeadBatch([message('lead-bo', 1, 'a')], { ...deps, remainingTimeMs: () => 29_000 });

      expect(hubspot.calls).toHaveLength(1);
      expect(report.failedMessageIds.size).toBe(0);
      expect(store.recorded.flat()).toMatchObject([{ kind: 'synced', leadId: 'lead-bo' }]);
    });

    it('writes nothing on the lead and hands the messages back for as long as the budget needs', async () => {
      // Prepare
      const before = bo();
      const { store, hubspot, retries, requeued, deps } = setup([before]);
      hubspot.behaviour = spent;
      hubspot.heldSlotMs = 4_500;

      // Act
      const report = await syncLeadBatch([message('lead-bo', 1, 'm')], deps);

      // Assess
      expect(store.leads.get('lead-bo')).toEqual(before);
      expect(store.recorded.flat()).toEqual([]);
      expect(report.failedMessageIds.has('m')).toBe(true);
      expect(retries.delayOf('rh-m')).toBe(4);
      expect(requeued).toEqual([]);
    });

    it('near maxReceiveCount re-sends the lead as a fresh message and acknowledges the old one', async () => {
      // Prepare
      const { store, hubspot, retries, requeued, deps } = setup([bo(), cy()]);
      hubspot.behaviour = spent;
      hubspot.heldSlotMs = 4_500;

      // Act
      const report = await syncLeadBatch([message('lead-bo', MAX_RECEIVES - 1, 'late'), message('lead-cy', 1, 'early')], deps);

      // Assess
      expect(requeued).toEqual([{ leadIds: ['lead-bo'], delaySeconds: 4 }]);
      expect(report.failedMessageIds.has('late')).toBe(false);
      expect(retries.delayOf('rh-late')).toBeUndefined();
      // A message far from the limit just waits.
      expect(report.failedMessageIds.has('early')).toBe(true);
      expect(retries.delayOf('rh-early')).toBe(4);
      expect(store.leads.get('lead-bo')!.hubspot.syncStatus).toBe('PENDING');
    });

    it('keeps the original message when the fresh one could not be sent', async () => {
      // Prepare
      const { hubspot, retries, requeueRefuses, deps } = setup([bo()]);
      hubspot.behaviour = spent;
      hubspot.heldSlotMs = 4_500;
      requeueRefuses.add('lead-bo');

      // Act
      const report = await syncLeadBatch([message('lead-bo', MAX_RECEIVES, 'm')], deps);

      // Assess
      expect(report.failedMessageIds.has('m')).toBe(true);
      expect(retries.delayOf('rh-m')).toBe(4);
    });

    it('defers without calling HubSpot when the function deadline is too close', async () => {
      // Prepare
      const before = bo();
      const { store, hubspot, retries, deps } = setup([before], { remainingTimeMs: () => 3_500 });

      // Act
      const report = await syncLeadBatch([message('lead-bo', 1, 'm')], deps);

      // Assess
      expect(hubspot.calls).toEqual([]);
      expect(store.leads.get('lead-bo')).toEqual(before);
      expect(report.failedMessageIds.has('m')).toBe(true);
      expect(retries.delayOf('rh-m')).toBeGreaterThanOrEqual(1);
    });
  });

  it('when HubSpot refuses the whole batch, halves it until the bad input stands alone', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([ana(), bo(), cy(), di()]);
    hubspot.behaviour = (inputs) => {
      if (inputs.some((i) => i.email === 'cy@example.com')) throw new PermanentError('HubSpot 400: Property values were not valid', 400);
      return hubspot.writeAll(inputs);
    };

    // Act
    const report = await syncLeadBatch(['lead-ana', 'lead-bo', 'lead-cy', 'lead-di'].map((id) => message(id)), deps);

    // Assess
    // 4 → 2 + 2 → the refused pair splits into 1 + 1: five calls in all.
    expect(hubspot.calls).toHaveLength(5);
    expect(report.hubspotCalls).toBe(5);
    const lastRefused = hubspot.calls.filter((c) => c.some((i) => i.email === 'cy@example.com')).at(-1);
    expect(lastRefused?.map((i) => i.email)).toEqual(['cy@example.com']);
    expect(store.leads.get('lead-cy')!.hubspot).toMatchObject({ syncStatus: 'FAILED', failureKind: 'rejected', error: expect.stringContaining('Property values were not valid') });
    for (const id of ['lead-ana', 'lead-bo', 'lead-di']) expect(store.leads.get(id)!.hubspot.syncStatus).toBe('SYNCED');
    expect(report.failedMessageIds.size).toBe(0);
  });

  it('drops the message of a lead that no longer exists without calling HubSpot', async () => {
    // Prepare
    const { hubspot, log, deps } = setup([]);

    // Act
    const report = await syncLeadBatch([message('lead-gone', 1, 'm')], deps);

    // Assess
    expect(hubspot.calls).toEqual([]);
    expect(report.failedMessageIds.size).toBe(0);
    expect(report.counts.missing).toBe(1);
    expect(log.at('warn').some((e) => e.attributes.leadId === 'lead-gone')).toBe(true);
  });

  it('sends the leads that exist when others in the batch are gone', async () => {
    // Prepare
    const { hubspot, deps } = setup([bo()]);

    // Act
    await syncLeadBatch([message('lead-gone'), message('lead-bo')], deps);

    // Assess
    expect(hubspot.calls).toHaveLength(1);
    expect(hubspot.calls[0]!.map((i) => i.email)).toEqual(['bo@example.com']);
  });

  it('retries a lead HubSpot returned no result for', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([bo(), cy()]);
    hubspot.behaviour = (inputs) => hubspot.writeAll(inputs.filter((i) => i.email !== 'cy@example.com'));

    // Act
    const report = await syncLeadBatch([message('lead-bo', 1, 'mb'), message('lead-cy', 1, 'mc')], deps);

    // Assess
    expect(store.leads.get('lead-cy')!.hubspot.syncStatus).toBe('RETRYING');
    expect([...report.failedMessageIds]).toEqual(['mc']);
  });
});
