export { assertAgentId, isAgentId, MAX_AGENT_ID_LENGTH, WardenError } from '@warden/utils'
export {
  InvalidAgentIdError,
  InvalidDataPointError,
  InvalidHistoryDataError,
  InvalidOptionError,
  JournalCorruptError,
  NotRegularFileError,
  OutOfOrderPointError,
  RecordTooLargeError,
  StoreClosedError,
  StoreCorruptError,
  type StoreError,
  StoreIOError,
  StoreLockedError,
  StoreReadOnlyError,
  UnsupportedSchemaVersionError,
} from './errors.js'
export { SCHEMA_VERSION } from './file/format.js'
export { LOCK_FILE } from './file/lock.js'
export type {
  AgentExit,
  AgentLastError,
  AgentMetadata,
  AppendEntry,
  AppendFailure,
  AppendManyResult,
  CheckpointEvent,
  CheckpointFailedEvent,
  CleanupEvent,
  CorruptEvent,
  FileMetadataStoreOptions,
  LockTakeoverEvent,
  StoreEvents,
} from './file/metadata.js'
export { DEFAULT_CHECKPOINT_EVERY, DEFAULT_SEGMENT_BYTES } from './file/options.js'
export { SERIES_FILE } from './file/series-file.js'
export { FileMetadataStore } from './file/store.js'
export { ResourceUsageHistory, type TierInfo } from './history/history.js'
export { DEFAULT_MAX_SIZE, DEFAULT_TIERS } from './history/options.js'
export type { HistoryJSON, TierJSON } from './history/serialize.js'
export { defineSeries, PROCESS_SERIES, type Series, type SeriesSpec } from './history/series.js'
export type { JournalTruncatedEvent } from './journal/replay.js'
export type {
  AggregatedBucket,
  AggregateOptions,
  AggregateResult,
  GaugeStats,
  HistoryOptions,
  QueryResult,
  ResourceDataPoint,
  RollupTierSpec,
  SeriesBucket,
  SeriesPoint,
  StorePoint,
  TimeRange,
} from './types.js'
