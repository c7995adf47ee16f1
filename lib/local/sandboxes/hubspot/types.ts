export interface RateLimit {
  max: number;
  intervalMs: number;
}

export interface HubSpotSandboxOptions {
  port?: number;
  host?: string;
  accessToken: string;
  rateLimit?: RateLimit;
  seed?: boolean;
  random?: () => number;
}

export type FaultKind = 'status' | 'slow' | 'reset' | 'rateLimit' | 'inputError';

export interface FaultRule {
  method?: string;
  path?: string;
  kind: FaultKind;
  status?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  emailPattern?: string;
  message?: string;
  times?: number;
  probability?: number;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  inputs?: number;
  durationMs: number;
}

export interface ContactSnapshot {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubSpotSandbox {
  url: string;
  close(): Promise<void>;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  requests(): RecordedRequest[];
  clearRequests(): void;
  setRateLimit(limit: RateLimit): void;
  contacts(): ContactSnapshot[];
  reset(): void;
}
