import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { pathOf } from '../auth/query.js'
import {
  BadRequestError,
  HttpError,
  InternalError,
  InvalidParameterError,
  RouteNotFoundError,
} from '../errors.js'
import type { ErrorBody } from '../schemas/common.js'

const CONTEXTS: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  body: 'body field',
  headers: 'header',
}

/** The parameter an ajv error is about, and a message naming it. */
function fromValidation(error: FastifyError, request: FastifyRequest): InvalidParameterError {
  const first = error.validation?.[0]
  const context = error.validationContext ?? 'querystring'
  const where = CONTEXTS[context] ?? context
  const params = (first?.params ?? {}) as Record<string, unknown>
  if (typeof params.additionalProperty === 'string') {
    const schema = (
      request.routeOptions.schema as Record<string, { properties?: object } | undefined> | undefined
    )?.[context]
    const known = Object.keys(schema?.properties ?? {})
    return new InvalidParameterError({
      parameter: params.additionalProperty,
      message: `Unknown ${where} \`${params.additionalProperty}\`; ${known.length === 0 ? 'this route takes none' : `expected one of ${known.join(', ')}`}`,
    })
  }
  const name =
    typeof params.missingProperty === 'string'
      ? params.missingProperty
      : (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || context
  return new InvalidParameterError({
    parameter: name,
    message: `Invalid ${where} \`${name}\`: ${first?.message ?? 'invalid'}`,
  })
}

export function errorBody(e: HttpError): ErrorBody {
  return {
    statusCode: e.statusCode,
    error: STATUS_CODES[e.statusCode] ?? 'Error',
    code: e.code,
    message: e.message,
    ...('parameter' in e && typeof e.parameter === 'string' ? { parameter: e.parameter } : {}),
  }
}

/** Every error answer has one shape, `{ statusCode, error, code, message, parameter? }`. */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  let e: HttpError
  if (error instanceof HttpError) e = error
  else if (error.validation !== undefined) e = fromValidation(error, request)
  else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    e = new BadRequestError({ statusCode: error.statusCode, message: error.message })
  else e = new InternalError({ cause: error })
  if (e.statusCode >= 500) {
    const cause = e instanceof InternalError ? error : (e.cause ?? e)
    request.log.error({ code: e.code, err: cause, path: pathOf(request.url) }, e.message)
  }
  return reply.status(e.statusCode).send(errorBody(e))
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = new RouteNotFoundError({ method: request.method, path: pathOf(request.url) })
  return reply.status(404).send(errorBody(e))
}
