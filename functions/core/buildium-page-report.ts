/** What a page of Buildium records did: its counts, and the errors, audit entries and reviews it leaves. */
import type { AuditChange, Outcome, PageCounts, PageReport, ReviewItem, SyncErrorRecord } from './buildium-ports.js';

export class PageReportBuilder {
  processed = 0;
  created = 0;
  updated = 0;
  skipped = 0;
  failed = 0;
  invalid = 0;
  duplicateEmails = 0;
  readonly errors: SyncErrorRecord[] = [];
  readonly audit: AuditChange[] = [];
  readonly reviews: ReviewItem[] = [];

  constructor(processed = 0) {
    this.processed = processed;
  }

  count(outcome: Outcome): void {
    this[outcome] += 1;
  }

  error(entity: string, sourceId: string, errorType: SyncErrorRecord['errorType'], reason: string): void {
    this.errors.push({ entity, sourceId, errorType, reason });
  }

  done(): PageReport {
    const { processed, created, updated, skipped, failed, invalid, duplicateEmails, errors, audit, reviews } = this;
    return { processed, created, updated, skipped, failed, invalid, duplicateEmails, errors, audit, reviews };
  }
}

/** Several listings' reports as one (named records), with errors of records Buildium did not have (counted skipped). */
export function mergeReports(reports: readonly PageReport[], missing: readonly SyncErrorRecord[]): PageReport {
  const sum = (k: keyof PageCounts) => reports.reduce((n, r) => n + r[k], 0);
  return {
    processed: sum('processed') + missing.length,
    created: sum('created'),
    updated: sum('updated'),
    skipped: sum('skipped') + missing.length,
    failed: sum('failed'),
    invalid: sum('invalid'),
    duplicateEmails: sum('duplicateEmails'),
    errors: [...reports.flatMap((r) => r.errors), ...missing],
    audit: reports.flatMap((r) => r.audit),
    reviews: reports.flatMap((r) => r.reviews),
  };
}
