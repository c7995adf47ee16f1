/**
 * The sandbox's error answers, in Buildium's ApiErrorResponse shape:
 * `{"UserMessage","ErrorCode","Errors":[{"Key","Value"}]}`.
 */
import type { ApiErrorResponse } from './types.js';

export class BuildiumHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: Array<{ Key: string; Value: string }> = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): ApiErrorResponse {
    return { UserMessage: this.message, ErrorCode: this.code, Errors: this.errors };
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  401: "The API key couldn't be authorized.",
  403: "The supplied credentials don't have permissions to access the resource.",
  404: 'Resource not found.',
  429: 'Too many requests. The rate limit is 10 requests per second; retry after a short interval.',
  500: 'An unexpected error occurred.',
  502: 'Bad gateway.',
  503: 'Service unavailable.',
  504: 'Gateway timeout.',
};

export function httpError(status: number, message?: string, errors?: Array<{ Key: string; Value: string }>, headers?: Record<string, string>): BuildiumHttpError {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequest');
  return new BuildiumHttpError(status, code, message ?? MESSAGE_BY_STATUS[status] ?? `HTTP ${status}`, errors, headers);
}

/** 400 with one Errors entry per parameter at fault. */
export function badRequest(problems: Array<{ Key: string; Value: string }>): BuildiumHttpError {
  return new BuildiumHttpError(400, 'ValidationError', 'The request has invalid parameters.', problems);
}

export function notFound(message = MESSAGE_BY_STATUS[404]!): BuildiumHttpError {
  return new BuildiumHttpError(404, 'NotFound', message);
}

export function unauthorized(): BuildiumHttpError {
  return new BuildiumHttpError(401, 'Unauthorized', MESSAGE_BY_STATUS[401]!);
}
