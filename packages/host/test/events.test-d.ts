import { describe, expectTypeOf, it } from 'vitest'
import type {
  CollectorErrorEvent,
  CollectorName,
  CollectorResult,
  CpuData,
  GpuData,
  HostMonitor,
  HostSample,
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
