import { describe, expectTypeOf, it } from 'vitest'
import type {
  AggregateResult,
  AppendEntry,
  AppendFailure,
  AppendManyResult,
  CheckpointEvent,
  CheckpointFailedEvent,
  CleanupEvent,
  CorruptEvent,
  FileMetadataStore,
  JournalCorruptError,
  JournalTruncatedEvent,
  LockTakeoverEvent,
  ResourceUsageHistory,
  StoreCorruptError,
  StoreError,
} from '../src/index.js'

declare const store: FileMetadataStore
declare const history: ResourceUsageHistory

describe('FileMetadataStore typed events', () => {
  it('types every payload', () => {
    store.on('corrupt', (e) => {
      expectTypeOf(e).toEqualTypeOf<CorruptEvent>()
      expectTypeOf(e.error).toEqualTypeOf<StoreCorruptError>()
      expectTypeOf(e.quarantinePath).toEqualTypeOf<string | null>()
    })
    store.on('lock:takeover', (e) => {
      expectTypeOf(e).toEqualTypeOf<LockTakeoverEvent>()
      expectTypeOf(e.previousPid).toEqualTypeOf<number | null>()
    })
    store.on('cleanup', (e) => {
      expectTypeOf(e).toEqualTypeOf<CleanupEvent>()
      expectTypeOf(e.removed).toEqualTypeOf<readonly string[]>()
    })
    store.on('journal:truncated', (e) => {
      expectTypeOf(e).toEqualTypeOf<JournalTruncatedEvent>()
      expectTypeOf(e.bytesDropped).toEqualTypeOf<number>()
      expectTypeOf(e.error).toEqualTypeOf<JournalCorruptError>()
    })
    store.on('checkpoint', (e) => {
      expectTypeOf(e).toEqualTypeOf<CheckpointEvent>()
      expectTypeOf(e.journalLsn).toEqualTypeOf<number>()
    })
    store.on('checkpoint:failed', (e) => {
      expectTypeOf(e).toEqualTypeOf<CheckpointFailedEvent>()
      expectTypeOf(e.error).toEqualTypeOf<StoreError>()
    })
  })

  it('types appendMany', () => {
    expectTypeOf(store.appendMany).parameter(0).toEqualTypeOf<readonly AppendEntry[]>()
    expectTypeOf(store.appendMany([])).resolves.toEqualTypeOf<AppendManyResult>()
    expectTypeOf<AppendManyResult['failed'][number]>().toEqualTypeOf<AppendFailure>()
  })

  it('rejects unknown event names', () => {
    // @ts-expect-error not an event of the store
    store.on('error', () => {})
  })

  it('types aggregate and update', () => {
    expectTypeOf(history.aggregate({ intervalMs: 1000 })).toEqualTypeOf<AggregateResult>()
    expectTypeOf(history.aggregate({ intervalMs: 1000 }).tier).toEqualTypeOf<'raw' | number>()
    expectTypeOf(store.update).parameter(1).toBeFunction()
    expectTypeOf(
      store.update('a', (m) => {
        m.restartCount++
      }),
    ).resolves.toHaveProperty('restartCount')
  })
})
