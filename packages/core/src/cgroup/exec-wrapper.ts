import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/**
 * The exec wrapper that keeps an agent from forking before it is in its cgroup (Node cannot
 * `clone3(CLONE_INTO_CGROUP)`): `/bin/sh` waits on fd 3 until the supervisor has written its pid
 * into the cgroup's `cgroup.procs` and sent `go`, closes fd 3, then `exec`s the command with its
 * arguments as positional parameters (`"$@"`: never parsed by the shell). The pid is the agent's
 * from the start (exec keeps it), so the supervisor's identity and exit status are the agent's.
 * Anything but `go` (the supervisor died or could not place it) ends it with code 125, unexecuted.
 */
export const EXEC_WRAPPER_SCRIPT = 'IFS= read -r go <&3; exec 3<&-; [ "$go" = go ] || exit 125; exec "$@"'
export const EXEC_WRAPPER_SHELL = '/bin/sh'
/** `$0` of the wrapper, as `ps` shows it for the instant before the exec. */
export const EXEC_WRAPPER_NAME = 'warden-cgexec'

/** The wrapper's argv after the shell: the command and its arguments pass through untouched. */
export function wrapperArgs(command: string, args: readonly string[]): string[] {
  return ['-c', EXEC_WRAPPER_SCRIPT, EXEC_WRAPPER_NAME, command, ...args]
}

function errnoError(code: 'ENOENT' | 'EACCES', command: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${command} ${code}`), {
    code,
    errno: code === 'ENOENT' ? -2 : -13,
    syscall: `spawn ${command}`,
    path: command,
  })
}

function executable(path: string): 'ok' | 'ENOENT' | 'EACCES' {
  try {
    if (!statSync(path).isFile()) return 'EACCES'
    accessSync(path, constants.X_OK)
    return 'ok'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : 'EACCES'
  }
}

/**
 * Finds `command` as execvp would (a path with `/` relative to `cwd`, else each PATH entry), so a
 * wrapped spawn fails with the ENOENT/EACCES a direct spawn would have reported, before anything runs.
 */
export function commandError(
  command: string,
  path: string | undefined,
  cwd: string,
): NodeJS.ErrnoException | undefined {
  if (command.includes('/')) {
    const found = executable(isAbsolute(command) ? command : join(cwd, command))
    return found === 'ok' ? undefined : errnoError(found, command)
  }
  let denied = false
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const found = executable(join(dir === '' ? cwd : isAbsolute(dir) ? dir : join(cwd, dir), command))
    if (found === 'ok') return undefined
    if (found === 'EACCES') denied = true
  }
  return errnoError(denied ? 'EACCES' : 'ENOENT', command)
}
