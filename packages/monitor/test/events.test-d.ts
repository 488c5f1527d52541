import type { ResourceDataPoint } from '@warden/store'
import { describe, expectTypeOf, it } from 'vitest'
import type {
  CollectErrorEvent,
  PollReport,
  ResourceMonitor,
  RestartEvent,
  SampleEvent,
  ThresholdAlert,
  ThresholdResolved,
} from '../src/index.js'

declare const monitor: ResourceMonitor

describe('ResourceMonitor typed events', () => {
  it('types every payload', () => {
    monitor.on('sample', (e) => {
      expectTypeOf(e).toEqualTypeOf<SampleEvent>()
      expectTypeOf(e.point).toEqualTypeOf<ResourceDataPoint>()
      expectTypeOf(e.agentId).toEqualTypeOf<string>()
    })
    monitor.on('poll', (r) => {
      expectTypeOf(r).toEqualTypeOf<PollReport>()
      expectTypeOf(r.skipped).toEqualTypeOf<number>()
    })
    monitor.on('collect-error', (e) => {
      expectTypeOf(e).toEqualTypeOf<CollectErrorEvent>()
      expectTypeOf(e.agentId).toEqualTypeOf<string | undefined>()
      expectTypeOf(e.error.code).toEqualTypeOf<
        | 'ERR_MONITOR_SAMPLE'
        | 'ERR_MONITOR_STORE_WRITE'
        | 'ERR_MONITOR_RESTART_FAILED'
        | 'ERR_MONITOR_DUPLICATE_AGENT'
        | 'ERR_MONITOR_CLOCK'
      >()
    })
    monitor.on('threshold:warning', (a) => {
      expectTypeOf(a).toEqualTypeOf<ThresholdAlert>()
      expectTypeOf(a.value).toEqualTypeOf<number>()
      expectTypeOf(a.resource).toEqualTypeOf<'cpuPercent' | 'memoryBytes' | 'openFiles' | 'threads'>()
    })
    monitor.on('threshold:error', (a) => {
      expectTypeOf(a.level).toEqualTypeOf<'warning' | 'error'>()
      expectTypeOf(a.restart).toEqualTypeOf<boolean>()
    })
    monitor.on('threshold:resolved', (r) => {
      expectTypeOf(r).toEqualTypeOf<ThresholdResolved>()
      expectTypeOf(r.value).toEqualTypeOf<number | null>()
      expectTypeOf(r.reason).toEqualTypeOf<'recovered' | 'gone' | 'cleared'>()
    })
    monitor.on('restart', (e) => {
      expectTypeOf(e).toEqualTypeOf<RestartEvent>()
    })
  })

  it('rejects unknown event names and wrong listener shapes', () => {
    // @ts-expect-error alerts are never emitted as 'error'
    monitor.on('error', () => {})
    // @ts-expect-error a poll report is not a point
    monitor.on('poll', (r: ResourceDataPoint) => r)
  })

  it('types the promise helpers and queries', () => {
    expectTypeOf(monitor.collectOnce()).toEqualTypeOf<Promise<PollReport>>()
    expectTypeOf(monitor.waitForPoll()).toEqualTypeOf<Promise<PollReport>>()
    expectTypeOf(monitor.latest('a')).toEqualTypeOf<ResourceDataPoint | undefined>()
    expectTypeOf(monitor.getResourceHistory('a', { durationMs: 1000 })).toEqualTypeOf<
      Promise<ResourceDataPoint[]>
    >()
  })
})
