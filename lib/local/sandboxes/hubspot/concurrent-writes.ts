/**
 * Contact writes in progress, for the 'concurrentWrite' fault (faults.ts): a write the fault
 * holds keeps its emails for the hold's length, and another write of one of them meanwhile is
 * answered 409 CONFLICT, as HubSpot answers the loser of two requests writing one record at once
 * (two Lambda environments upserting one email). Without a hold the sandbox's handlers run to the
 * end at once, so no two writes ever overlap. https://developers.hubspot.com/docs/api/error-handling
 */
import { httpError, type HubSpotHttpError } from './errors.js';
import { OBJECTS_BASE } from './versions.js';

/** Creates, updates and upserts of contacts: the single create and the three batch writes. */
const CONTACT_WRITE = new RegExp(`^${OBJECTS_BASE}/(?:contacts|0-1)(?:/batch/(?:create|update|upsert))?/?$`);

const asEmail = (v: unknown): string | undefined => (typeof v === 'string' && v.includes('@') ? v.trim().toLowerCase() : undefined);

/** The emails a contact write names (its inputs' `email` properties, and ids of an upsert or update by email); none for other requests. */
export function contactWriteEmails(method: string, path: string, body: unknown): string[] {
  if (method !== 'POST' || !CONTACT_WRITE.test(path) || typeof body !== 'object' || body === null) return [];
  const record = body as { inputs?: unknown; properties?: unknown };
  const inputs = Array.isArray(record.inputs) ? record.inputs : [record];
  const emails = new Set<string>();
  for (const input of inputs) {
    if (typeof input !== 'object' || input === null) continue;
    const { id, idProperty, properties } = input as { id?: unknown; idProperty?: unknown; properties?: unknown };
    const written = typeof properties === 'object' && properties !== null ? asEmail((properties as Record<string, unknown>).email) : undefined;
    if (written) emails.add(written);
    const byEmail = idProperty === 'email' ? asEmail(id) : undefined;
    if (byEmail) emails.add(byEmail);
  }
  return [...emails];
}

export class HeldWrites {
  private readonly held = new Map<string, number>();

  /** The 409 for a write of an email another request holds now, if it writes one. */
  conflict(emails: readonly string[]): HubSpotHttpError | undefined {
    const taken = emails.find((e) => this.held.has(e));
    if (taken === undefined) return undefined;
    // HubSpot's text names the record, not the input: the caller learns only that it lost the race.
    return httpError(409, 'CONFLICT', 'Another request is writing this contact at the same time. Try again.');
  }

  /** Holds the emails until the returned release is called (once). */
  hold(emails: readonly string[]): () => void {
    for (const e of emails) this.held.set(e, (this.held.get(e) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const e of emails) {
        const n = (this.held.get(e) ?? 1) - 1;
        if (n <= 0) this.held.delete(e);
        else this.held.set(e, n);
      }
    };
  }

  clear(): void {
    this.held.clear();
  }
}
