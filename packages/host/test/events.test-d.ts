import { describe, expectTypeOf, it } from 'vitest'
import type {
  CollectorErrorEvent,
  CollectorName,
  CollectorResult,
  CpuData,
  GpuData,
  HostMonitor,
  HostOpenAlert,
  HostResource,
  HostSample,
  HostSubject,
  HostThreshold,
  HostThresholdAlert,
  HostThresholdResolved,
  ResolveReason,
} from '../src/index.js'

declare const host: HostMonitor

describe('HostMonitor typed events', () => {
  it('types every payload', () => {
    host.on('sample', (s) => {
      expectTypeOf(s).toEqualTypeOf<HostSample>()
      expectTypeOf(s.cpu).toEqualTypeOf<CollectorResult<CpuData> | undefined>()
      if (s.gpu?.ok) expectTypeOf(s.gpu.data).toEqualTypeOf<GpuData>()
      if (s.gpu && !s.gpu.ok) expectTypeOf(s.gpu.lastOkAt).toEqualTypeOf<number | null>()
    })
    host.on('collector-error', (e) => {
      expectTypeOf(e).toEqualTypeOf<CollectorErrorEvent>()
      expectTypeOf(e.collector).toEqualTypeOf<CollectorName>()
      expectTypeOf(e.error.code).toEqualTypeOf<
        | 'ERR_HOST_COLLECTOR_TIMEOUT'
        | 'ERR_HOST_UNAVAILABLE'
        | 'ERR_HOST_COLLECTOR_FAILED'
        | 'ERR_HOST_PARSE'
        | 'ERR_HOST_COMMAND_TIMEOUT'
        | 'ERR_HOST_COMMAND_BUSY'
        | 'ERR_HOST_COMMAND_FAILED'
      >()
    })
  })

  it('types the threshold events like the monitor, with subject for agentId', () => {
    host.on('threshold:warning', (a) => {
      expectTypeOf(a).toEqualTypeOf<HostThresholdAlert>()
      expectTypeOf(a.subject).toEqualTypeOf<HostSubject>()
      expectTypeOf(a.resource).toEqualTypeOf<HostResource>()
      expectTypeOf(a.level).toEqualTypeOf<'warning' | 'error'>()
      expectTypeOf(a.value).toEqualTypeOf<number>()
      expectTypeOf(a.restart).toEqualTypeOf<boolean>()
      // @ts-expect-error host alerts have no agentId
      a.agentId
    })
    host.on('threshold:error', (a) => expectTypeOf(a).toEqualTypeOf<HostThresholdAlert>())
    host.on('threshold:resolved', (r) => {
      expectTypeOf(r).toEqualTypeOf<HostThresholdResolved>()
      expectTypeOf(r.level).toEqualTypeOf<'resolved'>()
      expectTypeOf(r.value).toEqualTypeOf<number | null>()
      expectTypeOf(r.reason).toEqualTypeOf<ResolveReason>()
      expectTypeOf(r.fired).toEqualTypeOf<boolean>()
    })
    expectTypeOf<'disk:/var'>().toExtend<HostSubject>()
    expectTypeOf<'db'>().not.toExtend<HostSubject>()
    expectTypeOf(host.openAlerts()).toEqualTypeOf<HostOpenAlert[]>()
    expectTypeOf(host.openAlerts).parameter(0).toEqualTypeOf<HostSubject | undefined>()
    expectTypeOf(host.getThreshold()).toEqualTypeOf<HostThreshold | undefined>()
    expectTypeOf<{ 'disk:/': 90; durationMs: 0 }>().toExtend<HostThreshold>()
    // @ts-expect-error a typo is not a resource (excess property)
    const typo: HostThreshold = { cpu: 90, durationMs: 0 }
    expectTypeOf(typo).toEqualTypeOf<HostThreshold>()
    // @ts-expect-error a disk line names an absolute mount point
    const relative: HostThreshold = { 'disk:data': 90, durationMs: 0 }
    expectTypeOf(relative).toEqualTypeOf<HostThreshold>()
  })

  it('rejects unknown event names and wrong listener shapes', () => {
    // @ts-expect-error failures are never emitted as 'error'
    host.on('error', () => {})
    // @ts-expect-error a collector error is not a sample
    host.on('collector-error', (s: HostSample) => s)
  })

  it('types the methods', () => {
    expectTypeOf(host.collectOnce()).toEqualTypeOf<Promise<HostSample>>()
    expectTypeOf(host.latest()).toEqualTypeOf<HostSample | undefined>()
    expectTypeOf(host.gpuMemoryByPid()).toEqualTypeOf<ReadonlyMap<number, number>>()
  })
})
