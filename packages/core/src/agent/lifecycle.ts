import type { AgentInfo } from '../registry/types.js'

/** `respawn` is the restart policy's own operation (a backoff delay elapsed); it has no callers. */
export type OperationKind = 'start' | 'restart' | 'stop' | 'respawn'

/** Whether an operation asks for the agent to run (start, restart, respawn) or not (stop). */
export const wantsUp = (kind: OperationKind): boolean => kind !== 'stop'

interface Caller {
  resolve(info: AgentInfo): void
  reject(error: unknown): void
}

/** One queued lifecycle operation and the calls that share it. */
export class Operation<O> {
  kind: OperationKind
  readonly options: O
  #callers: Caller[] = []
  #cancelled = false
  #began = false
  #spawned = false

  constructor(kind: OperationKind, options: O) {
    this.kind = kind
    this.options = options
  }

  /** A later request (or shutdown) made it moot: its callers were told; it must not spawn. */
  get cancelled(): boolean {
    return this.#cancelled
  }

  get began(): boolean {
    return this.#began
  }

  /** Whether it has spawned (or is spawning) its process: a later restart() needs its own. */
  get spawned(): boolean {
    return this.#spawned
  }

  markBegun(): void {
    this.#began = true
  }

  markSpawned(): void {
    this.#spawned = true
  }

  join(): Promise<AgentInfo> {
    return new Promise((resolve, reject) => this.#callers.push({ resolve, reject }))
  }

  cancel(error: Error): void {
    this.#cancelled = true
    for (const c of this.#callers.splice(0)) c.reject(error)
  }

  settle(outcome: { ok: true; info: AgentInfo } | { ok: false; error: unknown }): void {
    for (const c of this.#callers.splice(0)) {
      if (outcome.ok) c.resolve(outcome.info)
      else c.reject(outcome.error)
    }
  }
}

/**
 * The ordered lifecycle of one agent: operations run one at a time, in request order. A request
 * for the opposite direction supersedes every earlier one still unfulfilled (the last request
 * wins): their callers are rejected with the error `conflict` makes, queued ones never run, and a
 * running one finishes only what cannot be undone (a spawn under way, a kill under way). A request
 * of the same kind as the last queued operation shares it.
 */
export class LifecycleQueue<O> {
  readonly #execute: (op: Operation<O>) => Promise<AgentInfo>
  #running: Operation<O> | undefined
  #pending: Operation<O>[] = []
  #pumping = false

  constructor(execute: (op: Operation<O>) => Promise<AgentInfo>) {
    this.#execute = execute
  }

  get busy(): boolean {
    return this.#running !== undefined || this.#pending.length > 0
  }

  /** Queues (or shares) an operation; supersedes every unfulfilled one of the other direction. */
  request(kind: OperationKind, options: O, conflict: (op: Operation<O>) => Error): Operation<O> {
    this.#cancelWhere((op) => wantsUp(op.kind) !== wantsUp(kind), conflict)
    const tail = this.#pending.at(-1) ?? this.#running
    if (tail !== undefined && !tail.cancelled && shares(tail, kind)) {
      // A queued start that a restart joins must replace the process a start would keep.
      if (kind === 'restart' && !tail.began) tail.kind = 'restart'
      return tail
    }
    const op = new Operation(kind, options)
    this.#pending.push(op)
    if (!this.#pumping) {
      this.#pumping = true
      // On a microtask: calls made in one synchronous run all see (and may share) the queued op.
      queueMicrotask(() => void this.#pump())
    }
    return op
  }

  /** Cancels every unfulfilled operation `match` selects; queued ones are dropped. */
  #cancelWhere(match: (op: Operation<O>) => boolean, error: (op: Operation<O>) => Error): void {
    if (this.#running !== undefined && !this.#running.cancelled && match(this.#running)) {
      this.#running.cancel(error(this.#running))
    }
    const keep: Operation<O>[] = []
    for (const op of this.#pending) {
      if (match(op)) op.cancel(error(op))
      else keep.push(op)
    }
    this.#pending = keep
  }

  async #pump(): Promise<void> {
    for (let op = this.#pending.shift(); op !== undefined; op = this.#pending.shift()) {
      this.#running = op
      op.markBegun()
      try {
        op.settle({ ok: true, info: await this.#execute(op) })
      } catch (error) {
        op.settle({ ok: false, error })
      } finally {
        this.#running = undefined
      }
    }
    this.#pumping = false
  }
}

/** Whether a request of `kind` is fulfilled by the unfulfilled operation `op`. */
function shares(op: Operation<unknown>, kind: OperationKind): boolean {
  if (kind === 'respawn' || op.kind === 'respawn') return false
  if (kind === 'restart') return (op.kind === 'restart' && !op.spawned) || (op.kind === 'start' && !op.began)
  return op.kind === kind || (kind === 'start' && op.kind === 'restart')
}
