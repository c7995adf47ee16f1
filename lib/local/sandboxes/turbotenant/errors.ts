/**
 * The sandbox's error answers. TurboTenant's contract names none, so they take the project's own
 * error shape (CONTRACT.md, "HTTP API"): `{"error":{"code","message","details"?}}`.
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

export class TurboTenantHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  401: 'Missing or invalid API key',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

export function httpError(status: number, message?: string, details?: ErrorDetail[], headers?: Record<string, string>): TurboTenantHttpError {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
  return new TurboTenantHttpError(status, code, message ?? MESSAGE_BY_STATUS[status] ?? `HTTP ${status}`, details, headers);
}

export function badRequest(message: string, details?: ErrorDetail[]): TurboTenantHttpError {
  return new TurboTenantHttpError(400, 'invalid_request', message, details);
}

export function notFound(message: string): TurboTenantHttpError {
  return new TurboTenantHttpError(404, 'not_found', message);
}

export function unauthorized(): TurboTenantHttpError {
  return new TurboTenantHttpError(401, 'unauthorized', MESSAGE_BY_STATUS[401]!, undefined, { 'WWW-Authenticate': 'Bearer realm="turbotenant"' });
}
