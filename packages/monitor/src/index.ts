// The store's batch types, re-exported for stores written against the monitor alone.
export type { AppendEntry, AppendFailure, AppendManyResult } from '@warden/store'
export { WardenError } from '@warden/utils'
export { type EvaluatorOptions, type OpenAlert, ThresholdEvaluator } from './alerts/evaluator.js'
export type {
  ResolveReason,
  ResourceThreshold,
  ThresholdAlert,
  ThresholdEvent,
  ThresholdResolved,
  ThresholdResource,
} from './alerts/types.js'
export { validateThreshold } from './alerts/validate.js'
export type { MonitorClock } from './clock/timeline.js'
export {
  ClockError,
  type ClockFault,
  DuplicateAgentError,
  InvalidOptionError,
  InvalidThresholdError,
  type MonitorError,
  RestartFailedError,
  SampleError,
  StoreWriteError,
  SupervisorRequiredError,
  WaitTimeoutError,
} from './errors.js'
export type {
  AgentSample,
  AgentSnapshot,
  CollectErrorEvent,
  MonitorEvents,
  MonitorSnapshot,
  PollReport,
  RestartEvent,
  SampleEvent,
} from './events.js'
export { ResourceMonitor } from './monitor.js'
export type {
  BatchStore,
  HistoryView,
  MonitorStore,
  PointStore,
  ResourceMonitorOptions,
  RestartTarget,
} from './options.js'
export { ProcParseError } from './procfs/parse-error.js'
export type { AggregateWindow, HistoryWindow } from './queries/window.js'
export { createSampler, defaultBackend, type SamplerBackend } from './sampler/create-sampler.js'
export { PidusageSampler } from './sampler/pidusage-sampler.js'
export { ProcfsSampler, type ProcfsSamplerOptions } from './sampler/procfs-sampler.js'
export type { SampleOptions, SampleOutcome, Sampler, SampleTarget } from './sampler/types.js'
