import { randomUUID } from 'node:crypto';

export const PORTAL_ID = 24681357;
export const APP_ID = 3141592;

export type JsonBody = Record<string, unknown>;

export class HubSpotHttpError extends Error {
  readonly status: number;
  readonly body: JsonBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: JsonBody, headers: Record<string, string> = {}) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export function errorBody(category: string, message: string, extra: JsonBody = {}): JsonBody {
  return { status: 'error', message, correlationId: randomUUID(), ...extra, category };
}

export function httpError(status: number, category: string, message: string, extra: JsonBody = {}): HubSpotHttpError {
  return new HubSpotHttpError(status, errorBody(category, message, extra));
}

export function validationError(message: string, extra: JsonBody = {}): HubSpotHttpError {
  return httpError(400, 'VALIDATION_ERROR', message, extra);
}

export const AUTH_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

/** HubSpot's answer to a developer API key (`hapikey`) it does not know. */
export const INVALID_API_KEY_MESSAGE = 'The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/';

export function unauthorized(message = AUTH_MESSAGE): HubSpotHttpError {
  return httpError(401, 'INVALID_AUTHENTICATION', message);
}

/** The limit a 429 says was reached (rate-limit.ts). */
export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY';

const RATE_LIMIT_MESSAGES: Record<RateLimitPolicy, string> = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  DAILY: 'You have reached your daily limit.',
};

/** HubSpot's 429 body; `policyName` and the default message say which limit was reached. */
export function rateLimitBody(message?: string, policyName: RateLimitPolicy = 'TEN_SECONDLY_ROLLING'): JsonBody {
  return {
    status: 'error',
    message: message ?? RATE_LIMIT_MESSAGES[policyName],
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName,
    groupName: `publicapi:private-app:${APP_ID}:${PORTAL_ID}`,
  };
}

const CATEGORY_BY_STATUS: Record<number, string> = {
  400: 'VALIDATION_ERROR',
  401: 'INVALID_AUTHENTICATION',
  403: 'MISSING_SCOPES',
  404: 'OBJECT_NOT_FOUND',
  409: 'CONFLICT',
  415: 'VALIDATION_ERROR',
  423: 'LOCKED',
  429: 'RATE_LIMITS',
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'Invalid input (details will vary based on the error)',
  401: AUTH_MESSAGE,
  403: 'This app hasn\'t been granted all required scopes to make this call.',
  404: 'resource not found',
  409: 'Conflict',
  423: 'The resource is locked. Please retry after 2 seconds.',
  500: 'internal error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function bodyForStatus(status: number, message?: string): JsonBody {
  if (status === 429) return rateLimitBody(message);
  const category = CATEGORY_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR');
  return errorBody(category, message ?? MESSAGE_BY_STATUS[status] ?? `HTTP ${status}`);
}

export interface PropertyProblem {
  name: string;
  error: string;
  message: string;
}

export function propertyProblemsMessage(problems: PropertyProblem[]): string {
  const entries = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.error,
    name: p.name,
    localizedErrorMessage: p.message,
    portalId: PORTAL_ID,
  }));
  return `Property values were not valid: ${JSON.stringify(entries)}`;
}

export interface StandardError {
  status: 'error';
  category: string;
  subCategory?: string;
  message: string;
  context: Record<string, string[]>;
  errors: Array<{ message: string; in?: string; code?: string }>;
  links: Record<string, string>;
}

export function standardError(
  category: string,
  message: string,
  context: Record<string, string[]>,
  errors: StandardError['errors'] = [],
): StandardError {
  return { status: 'error', category, message, context, errors, links: {} };
}

export function propertyProblemsError(id: string, problems: PropertyProblem[]): StandardError {
  return standardError(
    'VALIDATION_ERROR',
    propertyProblemsMessage(problems),
    { ids: [id] },
    problems.map((p) => ({ message: p.message, in: p.name, code: p.error })),
  );
}
