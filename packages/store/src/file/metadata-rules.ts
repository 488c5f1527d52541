import { isRecord } from '../history/serialize.js'

/** A metadata field that breaks its rule: `field` is its path, e.g. `lastExit.code`. */
export interface FieldProblem {
  readonly field: string
  readonly expected: string
  readonly value: unknown
}

type Rule = readonly [expected: string, ok: (value: unknown) => boolean]

const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v)
const isString = (v: unknown): boolean => typeof v === 'string'
const optional = ([expected, ok]: Rule): Rule => [`${expected} or absent`, (v) => v === undefined || ok(v)]
const TIME: Rule = ['a finite number (ms since epoch)', isTime]
const STRING: Rule = ['a string', isString]

const FIELDS: Readonly<Record<string, Rule>> = {
  restartCount: ['a non-negative integer', (v) => Number.isSafeInteger(v) && (v as number) >= 0],
  updatedAt: TIME,
  type: optional(STRING),
  status: optional(STRING),
  startTime: optional(['a finite number (ms since epoch) or null', (v) => v === null || isTime(v)]),
  pid: optional([
    'a positive integer or null',
    (v) => v === null || (Number.isSafeInteger(v) && (v as number) > 0),
  ]),
  startTicks: optional([
    'a non-negative integer or null',
    (v) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0),
  ]),
  adopted: optional(['a boolean', (v) => typeof v === 'boolean']),
  want: optional(["'up' or 'down'", (v) => v === 'up' || v === 'down']),
  run: optional(['an object or null', (v) => v === null || isRecord(v)]),
  spec: optional(['an object', isRecord]),
}
const LAST_EXIT: Readonly<Record<string, Rule>> = {
  code: ['an integer or null', (v) => v === null || Number.isSafeInteger(v)],
  signal: ['a string or null', (v) => v === null || isString(v)],
  at: TIME,
  stderrTail: optional(['an array of strings', (v) => Array.isArray(v) && v.every(isString)]),
  reason: optional(["'oom'", (v) => v === 'oom']),
}
const LAST_ERROR: Readonly<Record<string, Rule>> = {
  code: optional(STRING),
  errno: optional(STRING),
  message: STRING,
  at: TIME,
}

/**
 * The first metadata field of `meta` that breaks its rule, or undefined. The one set of rules
 * for records written (`save`, `update`) and read back (a file that breaks one is corrupt).
 * Fields the store does not declare are not checked: they are kept as found. `run` and `spec`
 * belong to the supervisor, which checks their inside when it reads them back.
 */
export function metadataProblem(meta: Record<string, unknown>): FieldProblem | undefined {
  const problem = check(meta, FIELDS, '')
  if (problem !== undefined) return problem
  if (meta.labels !== undefined) {
    if (!isRecord(meta.labels))
      return { field: 'labels', expected: 'an object of strings', value: meta.labels }
    for (const [key, value] of Object.entries(meta.labels)) {
      if (!isString(value)) return { field: `labels.${key}`, expected: 'a string', value }
    }
  }
  return nested(meta, 'lastExit', LAST_EXIT) ?? nested(meta, 'lastError', LAST_ERROR)
}

function nested(
  meta: Record<string, unknown>,
  field: string,
  rules: Readonly<Record<string, Rule>>,
): FieldProblem | undefined {
  const value = meta[field]
  if (value === undefined) return undefined
  const keys = Object.keys(rules).join(', ')
  if (!isRecord(value)) return { field, expected: `an object { ${keys} }`, value }
  return check(value, rules, `${field}.`)
}

function check(
  record: Record<string, unknown>,
  rules: Readonly<Record<string, Rule>>,
  prefix: string,
): FieldProblem | undefined {
  for (const [name, [expected, ok]] of Object.entries(rules)) {
    if (!ok(record[name])) return { field: `${prefix}${name}`, expected, value: record[name] }
  }
  return undefined
}
