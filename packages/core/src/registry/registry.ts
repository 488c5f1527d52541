import { emitSafely } from '@warden/utils'
import { EventEmitter } from 'eventemitter3'
import { AgentNotFoundError } from '../errors.js'
import type { AgentInfo, PidSource } from './types.js'

export interface RegistryEvents {
  /** An agent was added (`previous` undefined) or one of its fields changed. */
  change: [info: AgentInfo, previous: AgentInfo | undefined]
  remove: [info: AgentInfo]
}

/** The writers of a registry: the supervisor's alone (not exported from the package). */
export interface RegistryWriter {
  get(id: string): AgentInfo | undefined
  /** Inserts or replaces an agent. */
  set(info: AgentInfo): AgentInfo
  /** Applies a partial change to an existing agent; returns the new snapshot. */
  update(id: string, patch: Partial<Omit<AgentInfo, 'id'>>): AgentInfo
  delete(id: string): boolean
}

let writerOf: (registry: AgentRegistry) => RegistryWriter

/**
 * In-memory `id -> AgentInfo`, read by the monitor and anyone else; written by the supervisor(s)
 * it was given to only. Entries are frozen snapshots replaced on every change, so readers (the
 * monitor, every tick) get a stable view without copying; `list()` returns one cached array that
 * is rebuilt only after a change. A throwing listener is re-raised out of band (emitSafely), never
 * thrown into the supervisor's transition that made the change.
 */
export class AgentRegistry extends EventEmitter<RegistryEvents> implements PidSource {
  readonly #agents = new Map<string, AgentInfo>()
  #list: readonly AgentInfo[] | undefined

  static {
    writerOf = (r) => ({
      get: (id) => r.get(id),
      set: (info) => r.#set(info),
      update: (id, patch) => r.#update(id, patch),
      delete: (id) => r.#delete(id),
    })
  }

  get size(): number {
    return this.#agents.size
  }

  has(id: string): boolean {
    return this.#agents.has(id)
  }

  get(id: string): AgentInfo | undefined {
    return this.#agents.get(id)
  }

  /** Every agent, in insertion order. The same frozen array is returned until something changes. */
  list(): readonly AgentInfo[] {
    this.#list ??= Object.freeze([...this.#agents.values()])
    return this.#list
  }

  #set(info: AgentInfo): AgentInfo {
    const frozen = Object.isFrozen(info) ? info : Object.freeze({ ...info })
    const previous = this.#agents.get(frozen.id)
    this.#agents.set(frozen.id, frozen)
    this.#list = undefined
    emitSafely(this, 'change', frozen, previous)
    return frozen
  }

  #update(id: string, patch: Partial<Omit<AgentInfo, 'id'>>): AgentInfo {
    const previous = this.#agents.get(id)
    if (previous === undefined) throw new AgentNotFoundError({ id })
    return this.#set(Object.freeze({ ...previous, ...patch, id }))
  }

  #delete(id: string): boolean {
    const info = this.#agents.get(id)
    if (info === undefined) return false
    this.#agents.delete(id)
    this.#list = undefined
    emitSafely(this, 'remove', info)
    return true
  }
}

/** The writers of `registry` (other writers confuse the supervisor, so only it gets them). */
export function registryWriter(registry: AgentRegistry): RegistryWriter {
  return writerOf(registry)
}
