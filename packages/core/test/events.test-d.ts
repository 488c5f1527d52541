import { expectTypeOf, test } from 'vitest'
import type {
  AgentError,
  AgentExitEvent,
  AgentInfo,
  AgentStatus,
  LogRelayError,
  LogWriteError,
  PersistError,
  SpawnError,
  Supervisor,
} from '../src/index.js'

test('supervisor events are typed by name', () => {
  const sup = {} as Supervisor
  sup.on('agent:exit', (e) => {
    expectTypeOf(e).toEqualTypeOf<AgentExitEvent>()
    expectTypeOf(e.code).toEqualTypeOf<number | null>()
    expectTypeOf(e.signal).toEqualTypeOf<NodeJS.Signals | null>()
    expectTypeOf(e.stderrTail).toEqualTypeOf<readonly string[]>()
  })
  sup.on('agent:error', (e) => {
    expectTypeOf(e.error).toEqualTypeOf<AgentError>()
    expectTypeOf(e.error).toEqualTypeOf<PersistError | LogWriteError | LogRelayError>()
  })
  sup.on('agent:backoff', (e) => expectTypeOf(e.error).toEqualTypeOf<SpawnError | undefined>())
  sup.on('agent:status', (e) => {
    expectTypeOf(e.from).toEqualTypeOf<AgentStatus>()
    expectTypeOf(e.info).toEqualTypeOf<AgentInfo>()
  })
  sup.on('agent:fatal', (e) => expectTypeOf(e.reason).toEqualTypeOf<'start-limit' | 'spawn-failed'>())
  sup.on('agent:log', (e) => expectTypeOf(e.stream).toEqualTypeOf<'stdout' | 'stderr'>())
  sup.registry.on('change', (info, previous) => {
    expectTypeOf(info).toEqualTypeOf<AgentInfo>()
    expectTypeOf(previous).toEqualTypeOf<AgentInfo | undefined>()
  })
  // @ts-expect-error unknown event name
  sup.on('agent:nope', () => {})
  // @ts-expect-error wrong payload shape
  sup.on('agent:backoff', (e: { nope: string }) => e)
  expectTypeOf(sup.waitFor).returns.toEqualTypeOf<Promise<AgentInfo>>()
})
