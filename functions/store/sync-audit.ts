/**
 * The sync audit (seed 002 §4.1 `sync_audit`): one entry per page, naming which records were
 * created, updated or associated and which fields were written (never the values). 30 days.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditChange } from '../core/buildium-ports.js';
import { AUDIT_TTL_SECONDS, expiresAfter, jobPk, queryPartition, type PutRequest } from './sync-state-items.js';

export class DynamoSyncAudit {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  /** The put of a page's entry (written with the rest of a page's items). */
  entryRequest(jobId: string, pageKey: string, changes: readonly AuditChange[]): PutRequest {
    return {
      PutRequest: {
        Item: {
          pk: jobPk(jobId),
          sk: `audit#${pageKey}`,
          at: this.now().toISOString(),
          changes: changes.map((c) => ({ e: c.entity, id: c.sourceId, a: c.action, h: c.hubspotId, f: c.fields })),
          expiresAt: expiresAfter(this.now(), AUDIT_TTL_SECONDS),
        },
      },
    };
  }

  async entries(jobId: string): Promise<AuditChange[]> {
    const items = await queryPartition(this.db, this.tableName, jobPk(jobId), 'audit#');
    return items.flatMap((item) =>
      (item.changes as Array<{ e: AuditChange['entity']; id: string; a: AuditChange['action']; h: string; f: string[] }>).map((c) => ({
        entity: c.e,
        sourceId: c.id,
        action: c.a,
        hubspotId: c.h,
        fields: c.f,
      })),
    );
  }
}
