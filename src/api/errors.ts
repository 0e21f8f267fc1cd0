/**
 * The error format of docs/protocol.md, on every route and every status ≥ 400:
 * `{"error": {"code", "message", "details"?}, "requestId"}`.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { ZodError } from 'zod';
import type { Logger } from '../log.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Response headers that belong to the error, e.g. `retry-after`. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 429 RATE_LIMITED with `retry-after` (seconds) in a header and in `details.retryAfterS`. */
export function rateLimited(message: string, retryAfterS: number, details: Record<string, unknown> = {}): ApiError {
  const s = Math.max(1, Math.ceil(retryAfterS));
  return new ApiError(429, 'RATE_LIMITED', message, { retryAfterS: s, ...details }, { 'retry-after': String(s) });
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'VALIDATION_FAILED', message, details);
export const unauthorized = (message = 'missing or invalid token') => new ApiError(401, 'UNAUTHORIZED', message);
export const forbidden = (message = 'not yours') => new ApiError(403, 'FORBIDDEN', message);
export const notFound = (message = 'not found') => new ApiError(404, 'NOT_FOUND', message);

export function fromZod(err: ZodError): ApiError {
  return badRequest(
    'request body is invalid',
    err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

const REQUEST_ID_RE = /^[\w.:-]{1,64}$/;

/** Takes a sane incoming `x-request-id` (from a proxy) or makes one, and echoes it. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  const id = incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

export function sendError(res: Parameters<RequestHandler>[1], err: ApiError): void {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details !== undefined) error.details = err.details;
  for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
  res.status(err.status).json({ error, requestId: res.locals.requestId });
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, notFound(`no route for ${req.method} ${req.path}`));
};

/** Maps every thrown error to the protocol format; body-parser errors are the client's fault, never 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof ApiError) return sendError(res, err);
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') return sendError(res, badRequest('malformed JSON body'));
    if (type === 'entity.too.large') return sendError(res, new ApiError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large'));
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendError(res, new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding'));
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, new ApiError(status, 'BAD_REQUEST', (err as Error).message || 'bad request'));
    }
    log.error({ err, requestId: res.locals.requestId, method: req.method, url: req.originalUrl }, 'unhandled error');
    sendError(res, new ApiError(500, 'INTERNAL', 'internal error'));
  };
}
