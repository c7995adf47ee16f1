/**
 * The local stack under sustained load (issue 6 §4), at a CI-sized scale: 20 s of 20 leads/s
 * (`POST /leads`) and 10 signed HubSpot deliveries/s of 5 events (`POST /webhooks/hubspot`), sent
 * open loop, then everything settled. What a caller and an operator would notice: every request
 * answered 2xx, nothing lost (every accepted lead SYNCED, every accepted event processed or
 * skipped, queues and DLQs empty), queue depth and memory sampled through the whole run, and the
 * chart written.
 *
 * No figure of time or speed is asserted: those are measured by `npm run bench` (5 minutes of 100
 * leads/s and 50 deliveries/s), never by a timed test. Memory growth is printed, not asserted: 20
 * seconds is too short for it to mean anything.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, type LoadReport } from '../bench/load.js';

const DURATION_SECONDS = 20;
const LEADS_PER_SECOND = 20;
const DELIVERIES_PER_SECOND = 10;
const EVENTS_PER_DELIVERY = 5;
const SAMPLE_EVERY_MS = 1000;

let report: LoadReport;
let dir: string;
let svg: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'load-'));
  const svgPath = join(dir, 'load.svg');
  report = await runLoad({
    durationSeconds: DURATION_SECONDS,
    leadsPerSecond: LEADS_PER_SECOND,
    webhookDeliveriesPerSecond: DELIVERIES_PER_SECOND,
    eventsPerDelivery: EVENTS_PER_DELIVERY,
    sampleEveryMs: SAMPLE_EVERY_MS,
    svgPath,
  });
  svg = readFileSync(svgPath, 'utf8');
  const { samples, ...figures } = report;
  console.log(`load test report (${samples.length} samples):\n${JSON.stringify(figures, null, 1)}`);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The points of the polyline whose data-series is `id`. */
function seriesPoints(id: string): Array<[number, number]> {
  const match = new RegExp(`<polyline data-series="${id}"[^>]* points="([^"]*)"`).exec(svg);
  expect(match, `a polyline for ${id}`).not.toBeNull();
  const text = match![1]!.trim();
  return text === '' ? [] : text.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('the local stack under sustained load', () => {
  it('answers every request on the timetable 2xx', () => {
    // Prepare
    const leads = DURATION_SECONDS * LEADS_PER_SECOND;
    const deliveries = DURATION_SECONDS * DELIVERIES_PER_SECOND;

    // Act (the run, in beforeAll)

    // Assess
    expect(report.leads).toMatchObject({ scheduled: leads, sent: leads, accepted: leads, rejected: 0, overCap: 0 });
    expect(report.leads.statuses).toEqual({ 202: leads });
    expect(report.webhooks).toMatchObject({ scheduled: deliveries, sent: deliveries, accepted: deliveries, rejected: 0, overCap: 0 });
    expect(report.webhooks.statuses).toEqual({ 200: deliveries });
    expect(report.webhooks.eventsAccepted).toBe(deliveries * EVENTS_PER_DELIVERY);
  });

  it('loses nothing: every accepted lead SYNCED, every accepted event processed or skipped, queues and DLQs empty', () => {
    // Prepare
    const events = DURATION_SECONDS * DELIVERIES_PER_SECOND * EVENTS_PER_DELIVERY;

    // Act (the run, in beforeAll)

    // Assess
    expect(report.drained).toBe(true);
    expect(report.dynamoDbExitedAt).toBeUndefined();
    expect(report.leads.finalStatuses).toEqual({ SYNCED: report.leads.accepted });
    expect(report.webhooks.processed + report.webhooks.skipped).toBe(events);
    expect(report.webhooks.failed).toBe(0);
    expect(report.webhooks.totalsBalance).toBe(true);
    // Each contact a person made became one lead; the later events found it unchanged.
    expect(report.webhooks.leadsPerContact).toEqual({ one: report.contacts, none: 0, several: 0 });
    expect(Object.keys(report.webhooks.skippedByReason)).toEqual(['echo']);
    expect(report.endDepths).toEqual({ 'lead-sync': { queue: 0, deadLetter: 0 }, 'hubspot-events': { queue: 0, deadLetter: 0 } });
    expect(report.lost).toEqual({ leads: 0, events: 0, total: 0 });
  });

  it('samples queue depth, latency and memory over the whole run', () => {
    // Prepare
    const during = report.samples.filter((s) => s.phase === 'load');
    const expected = (DURATION_SECONDS * 1000) / SAMPLE_EVERY_MS;

    // Act (the run, in beforeAll)

    // Assess: a sample per interval (a late one may be skipped), from the start to the end of the load.
    expect(during.length).toBeGreaterThanOrEqual(Math.floor(expected * 0.7));
    expect(during[0]!.t).toBeLessThanOrEqual((3 * SAMPLE_EVERY_MS) / 1000);
    expect(during.at(-1)!.t).toBeGreaterThanOrEqual(DURATION_SECONDS - (3 * SAMPLE_EVERY_MS) / 1000);
    expect(report.samples.map((s) => s.t)).toEqual([...report.samples.map((s) => s.t)].sort((a, b) => a - b));
    for (const sample of report.samples) {
      expect(sample.memory.nodeRss).toBeGreaterThan(0);
      expect(sample.memory.dynamoDbRss, 'DynamoDB Local found through /proc').toBeGreaterThan(0);
      for (const queue of Object.values(sample.queues)) expect(queue.depth).toBe(queue.visible + queue.inFlight + queue.delayed);
    }
    expect(during.filter((s) => s.latency.leads !== null).length).toBeGreaterThanOrEqual(Math.floor(expected * 0.7));
    expect(report.memory.dynamoDbRss).not.toBeNull();
  });

  it('draws queue depth and latency over time as an SVG, one point per sample', () => {
    // Prepare
    const withLatency = (kind: 'leads' | 'webhooks') => report.samples.filter((s) => s.latency[kind] !== null).length;

    // Act (the chart, written by the run)

    // Assess
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.length).toBeLessThan(100_000);
    expect(svg).toContain('queue depth (messages)');
    expect(svg).toContain('ingest latency (ms');
    for (const queue of ['lead-sync', 'hubspot-events']) expect(seriesPoints(`queue:${queue}`)).toHaveLength(report.samples.length);
    for (const kind of ['leads', 'webhooks'] as const) {
      for (const p of ['p50', 'p99']) expect(seriesPoints(`latency:${kind}:${p}`)).toHaveLength(withLatency(kind));
    }
    for (const [x, y] of seriesPoints('queue:lead-sync')) {
      expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
    }
  });
});
