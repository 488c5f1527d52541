import { Kind, type TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType } from '@sinclair/typebox/value'
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml'
import type { ConfigIssue } from '../errors.js'
import { EXPECTED } from './schema.js'
import { suggest } from './units.js'

type Segment = string | number

/** Where a key path is in the YAML document: the key for `key: true`, else the value. */
export class Locator {
  readonly #doc: Document
  readonly #lines: LineCounter
  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc
    this.#lines = lines
  }

  issue(path: readonly Segment[], message: string, { key = false }: { key?: boolean } = {}): ConfigIssue {
    const offset = this.#offset(path, key)
    const pos = offset === undefined ? undefined : this.#lines.linePos(offset)
    return { path: formatPath(path), line: pos?.line, column: pos?.col, message }
  }

  #offset(path: readonly Segment[], key: boolean): number | undefined {
    // The deepest node that exists on the path (a missing key is reported at its parent).
    let node: unknown = this.#doc.contents
    let at: number | undefined = rangeStart(node)
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        )
        if (pair === undefined) return at
        if (key && i === path.length - 1) return rangeStart(pair.key) ?? at
        node = pair.value
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment]
      } else return at
      at = rangeStart(node) ?? at
    }
    return at
  }
}

function rangeStart(node: unknown): number | undefined {
  return node !== null && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined
}

/** `agents[2].thresholds.cpu`; keys that are not identifiers are quoted: `hostThresholds["disk:/"]`. */
export function formatPath(path: readonly Segment[]): string {
  let out = ''
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += out === '' ? s : `.${s}`
    else out += `[${JSON.stringify(s)}]`
  }
  return out
}

/** Every mismatch of `value` against `schema`, as issues located in the document. */
export function schemaIssues(
  schema: TSchema,
  value: unknown,
  locator: Locator,
  base: readonly Segment[] = [],
): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const seen = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    const path = [...base, ...pointer(error.path)]
    const id = formatPath(path)
    if (seen.has(id)) continue // one issue per place: the first (most specific) one
    seen.add(id)
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = Object.keys((error.schema as { properties?: object }).properties ?? {})
      const key = String(path.at(-1))
      const hint = suggest(key, known)
      issues.push(
        locator.issue(
          path,
          hint === undefined
            ? `unknown key; expected one of ${known.join(', ')}`
            : `unknown key; did you mean ${hint}?`,
          {
            key: true,
          },
        ),
      )
    } else if (error.type === ValueErrorType.ObjectRequiredProperty) {
      issues.push(locator.issue(path, 'required key is missing'))
    } else if (error.type === ValueErrorType.Union && isPlainObject(error.value)) {
      // `false | { … }`: report what is wrong inside the object, not "expected union value".
      const objects = (error.schema.anyOf as TSchema[]).filter((s) => s[Kind] === 'Object')
      if (objects.length === 1) issues.push(...schemaIssues(objects[0]!, error.value, locator, path))
      else issues.push(locator.issue(path, expected(error.schema, error.value)))
    } else {
      issues.push(locator.issue(path, expected(error.schema, error.value)))
    }
  }
  return issues
}

function expected(schema: TSchema, value: unknown): string {
  const text = (schema as Record<string, unknown>)[EXPECTED]
  const got =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'a list'
        : typeof value === 'object'
          ? 'a map'
          : JSON.stringify(value)
  if (typeof text === 'string') return `${text}, got ${got}`
  if (schema.pattern !== undefined) return `expected a string matching ${schema.pattern}, got ${got}`
  return `expected ${schema.type ?? 'another value'}, got ${got}`
}

function pointer(path: string): Segment[] {
  if (path === '') return []
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s))
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
