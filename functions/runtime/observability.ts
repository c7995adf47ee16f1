/**
 * Powertools logger and metrics for one function. Logs are structured JSON; the log level comes
 * from POWERTOOLS_LOG_LEVEL (per environment, lib/environments.ts); metrics are CloudWatch EMF in
 * the `CrmSync` namespace.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';

export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    // The search function lets `injectLambdaContext({ correlationIdPath })` find the request id.
    logger: new Logger({ serviceName, correlationIdSearchFn: search }),
    metrics: new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CrmSync' }),
  };
}

/** Builds a value once, on first use (a function's cold start), not at import. */
export function once<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
}
