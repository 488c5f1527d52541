import { type Static, type TSchema, Type } from '@sinclair/typebox'

/** The body of every error answer. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  /** The HTTP reason phrase, e.g. `Not Found`. */
  error: Type.String(),
  /** `ERR_SERVER_…`: what to match on. */
  code: Type.String(),
  message: Type.String(),
  /** The parameter at fault, for `ERR_SERVER_INVALID_PARAMETER` and `ERR_SERVER_TOKEN_IN_QUERY`. */
  parameter: Type.Optional(Type.String()),
})
export type ErrorBody = Static<typeof ErrorBody>

/** An agent id, as the store and the supervisor accept them. */
export const AgentParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }) },
  { additionalProperties: false },
)
export type AgentParams = Static<typeof AgentParams>

/** Routes without query parameters still refuse unknown ones. */
export const NoQuery = Type.Object({}, { additionalProperties: false })

/** Nullable shorthand. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

/**
 * A number or null as one JSON Schema type list, for values sent in bulk (history buckets):
 * fast-json-stringify writes it directly, while an anyOf (`Nullable`) is decided per value by
 * validating against each branch, which made a 100-agent window's answer 3× slower to serialize.
 */
export const NullableNumber = Type.Unsafe<number | null>({ type: ['number', 'null'] })

/** The error answers a route may give, for its `response` schema. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorBody]))
