/**
 * The shared HubSpot rate budget (connectors/hubspot/shared-budget.ts) in the sync-state table:
 * one partition per portal, `pk = hubspot-budget#<portalId>`, holding
 * - `sk = token#0000` … one item per call token: `usedAt`, the epoch ms it was last taken for;
 * - `sk = limits`: the limit HubSpot's headers gave (`max`, `intervalMs`);
 * - `sk = daily`: the day's quota as last seen (`limit`, `remaining`, `observedAt`, `exhaustedUntil`);
 * - `sk = account`: the portal's `timeZone`, where its day ends.
 * Loading is one Query (a few hundred small items at most); taking a token one conditional write.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { DailyQuota, RateBudgetState, RateBudgetStore, RateLimits } from '../core/ports.js';

const partition = (portalId: string) => `hubspot-budget#${portalId}`;
const tokenKey = (token: number) => `token#${String(token).padStart(4, '0')}`;
/** A token item outlives its use by a day, so portals no longer served leave nothing behind. */
const TOKEN_KEPT_SECONDS = 86_400;

const TokenItem = z.object({ sk: z.string().regex(/^token#\d+$/), usedAt: z.number() });
const LimitsItem = z.object({ sk: z.literal('limits'), max: z.number().int().positive(), intervalMs: z.number().positive() });
const AccountItem = z.object({ sk: z.literal('account'), timeZone: z.string().min(1) });
const DailyItem = z.object({
  sk: z.literal('daily'),
  limit: z.number().optional(),
  remaining: z.number().optional(),
  observedAt: z.number(),
  exhaustedUntil: z.number().optional(),
});

export class DynamoRateBudgetStore implements RateBudgetStore {
  /** DynamoDB requests made, for the benchmark's cost per HubSpot call. */
  requests = 0;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(portalId: string): Promise<RateBudgetState> {
    const tokens = new Map<number, number>();
    let limits: RateLimits | undefined;
    let daily: DailyQuota | undefined;
    let timeZone: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      this.requests += 1;
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partition(portalId) },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const token = TokenItem.safeParse(item);
        if (token.success) tokens.set(Number(token.data.sk.slice('token#'.length)), token.data.usedAt);
        const limitsItem = LimitsItem.safeParse(item);
        if (limitsItem.success) limits = { max: limitsItem.data.max, intervalMs: limitsItem.data.intervalMs };
        const account = AccountItem.safeParse(item);
        if (account.success) timeZone = account.data.timeZone;
        const dailyItem = DailyItem.safeParse(item);
        if (dailyItem.success) {
          const { sk: _sk, ...quota } = dailyItem.data;
          daily = quota;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { tokens, ...(limits ? { limits } : {}), ...(daily ? { daily } : {}), ...(timeZone ? { timeZone } : {}) };
  }

  async takeToken(portalId: string, token: number, at: number, freeAtOrBefore: number): Promise<{ taken: true } | { taken: false; usedAt: number }> {
    this.requests += 1;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(portalId), sk: tokenKey(token) },
          UpdateExpression: 'SET usedAt = :at, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(usedAt) OR usedAt <= :free',
          ExpressionAttributeValues: { ':at': at, ':free': freeAtOrBefore, ':expires': Math.ceil(at / 1000) + TOKEN_KEPT_SECONDS },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { taken: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const usedAt = error.Item?.usedAt?.N;
      // Without the old item (an older DynamoDB), the token counts as just taken.
      return { taken: false, usedAt: usedAt === undefined ? at : Number(usedAt) };
    }
  }

  async saveLimits(portalId: string, limits: RateLimits): Promise<void> {
    this.requests += 1;
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { pk: partition(portalId), sk: 'limits', max: limits.max, intervalMs: limits.intervalMs } }));
  }

  async saveTimeZone(portalId: string, timeZone: string): Promise<void> {
    this.requests += 1;
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { pk: partition(portalId), sk: 'account', timeZone } }));
  }

  async saveDaily(portalId: string, daily: DailyQuota): Promise<void> {
    this.requests += 1;
    // An older observation (another environment's, saved late) does not replace a newer one.
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: partition(portalId), sk: 'daily', ...daily },
          ConditionExpression: 'attribute_not_exists(observedAt) OR observedAt <= :observed',
          ExpressionAttributeValues: { ':observed': daily.observedAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
