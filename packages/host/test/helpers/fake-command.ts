import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** What a fake command does for invocations whose arguments contain `match`. */
export interface FakeBehaviour {
  readonly match: string
  readonly stdout?: string
  readonly stderr?: string
  readonly exitCode?: number
  /** Sleep instead of answering (killed with its process group). */
  readonly hang?: boolean
  /** Run this shell command instead of answering. */
  readonly run?: string
}

/**
 * Writes an executable `name` into `dir` (put `dir` on the collector's PATH option, never on the
 * test process's) that logs each invocation's pid and arguments to `<dir>/<name>.log` and answers
 * as the first matching behaviour says (recorded real output in the tests).
 */
export function fakeCommand(
  dir: string,
  name: string,
  behaviours: readonly FakeBehaviour[],
): { log: () => string[] } {
  const cases = behaviours
    .map((b, i) => {
      writeFileSync(join(dir, `${name}.${i}.out`), b.stdout ?? '')
      writeFileSync(join(dir, `${name}.${i}.err`), b.stderr ?? '')
      const body =
        b.run ??
        (b.hang
          ? 'exec sleep 3600'
          : `cat "$here/${name}.${i}.out"; cat "$here/${name}.${i}.err" >&2; exit ${b.exitCode ?? 0}`)
      return `  *'${b.match}'*) ${body} ;;`
    })
    .join('\n')
  const file = join(dir, name)
  writeFileSync(
    file,
    `#!/bin/sh
here="$(dirname "$0")"
echo "$$ $*" >> "$here/${name}.log"
case "$*" in
${cases}
  *) echo "unexpected arguments: $*" >&2; exit 64 ;;
esac
`,
  )
  chmodSync(file, 0o755)
  const logFile = join(dir, `${name}.log`)
  return { log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n') : []) }
}
