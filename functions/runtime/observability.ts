/**
 * Powertools logger and metrics for one function. Logs are structured JSON; the log level comes
 * from POWERTOOLS_LOG_LEVEL (per environment, lib/environments.ts); metrics are CloudWatch EMF in
 * the `CrmSync` namespace.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { MisconfiguredError } from '../core/errors.js';
import { SECRET_DIMENSION, SECRET_UNSET_METRIC, UnsetSecretError } from '../core/secret-policy.js';

export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    // The search function lets `injectLambdaContext({ correlationIdPath })` find the request id.
    logger: new Logger({ serviceName, correlationIdSearchFn: search }),
    metrics: new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CrmSync' }),
  };
}

/** The metric the daily-quota alarm watches (lib/constructs/hubspot-quota-alarm.ts): the lowest remaining quota any portal reported. */
export const HUBSPOT_DAILY_QUOTA_METRIC = 'HubSpotDailyQuotaRemaining';

/** Each portal's remaining daily HubSpot quota, as this environment last saw it (issue 13 §3). */
export function reportHubSpotQuota(metrics: Pick<Metrics, 'addMetric'>, quotas: readonly { remaining?: number }[]): void {
  for (const quota of quotas) if (quota.remaining !== undefined) metrics.addMetric(HUBSPOT_DAILY_QUOTA_METRIC, MetricUnit.Count, quota.remaining);
}

/** Builds a value once, on first use (a function's cold start), not at import. */
export function once<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
}

/**
 * A misconfiguration met by a flow: logged at ERROR (a name and what to fix, never a value) and,
 * when it is an unusable secret, counted as `SecretUnset{Secret}` for its alarm.
 */
export function reportMisconfiguration(error: MisconfiguredError, logger: Logger, metrics: Metrics): void {
  if (error instanceof UnsetSecretError) {
    reportUnsetSecret(error, { log: logger, metrics });
    return;
  }
  logger.error('A setting this flow needs is wrong', { error: error.message });
  metrics.addMetric('Misconfigured', MetricUnit.Count, 1);
}

/** An unusable secret, logged (its name, never a value) and counted as `SecretUnset{Secret}` for its alarm. */
export function reportUnsetSecret(error: UnsetSecretError, sink: { log: { error(message: string, ...extra: Record<string, unknown>[]): void }; metrics: { singleMetric(): { addDimension(name: string, value: string): void; addMetric(name: string, unit: 'Count', value: number): void } } }): void {
  sink.log.error('A secret this function needs is not set', { secret: error.secret, problem: error.problem, error: error.message });
  const metric = sink.metrics.singleMetric();
  metric.addDimension(SECRET_DIMENSION, error.secret);
  metric.addMetric(SECRET_UNSET_METRIC, 'Count', 1);
}

/** A reader (a secret, the portal directory) whose misconfigurations are reported as they happen, then thrown on. */
export function reportingMisconfiguration<A extends unknown[], T>(read: (...args: A) => Promise<T>, logger: Logger, metrics: Metrics): (...args: A) => Promise<T> {
  return async (...args) => {
    try {
      return await read(...args);
    } catch (error) {
      if (error instanceof MisconfiguredError) reportMisconfiguration(error, logger, metrics);
      throw error;
    }
  };
}
