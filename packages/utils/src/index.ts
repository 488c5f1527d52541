export {
  type EvaluatorOptions,
  ThresholdEvaluator,
  type ThresholdEvaluatorOptions,
} from './alerts/evaluator.js'
export type {
  AlertBase,
  AlertBody,
  OpenAlertBody,
  OpenAlertOf,
  ResolvedBody,
  ResolveReason,
  ResourceReaders,
  SubjectField,
  ThresholdAlertOf,
  ThresholdEventOf,
  ThresholdLines,
  ThresholdResolvedOf,
  ThresholdTiming,
} from './alerts/types.js'
export { checkThreshold, type ThresholdRules } from './alerts/validate.js'
export {
  cgroupControllers,
  cgroupCpuUsageUsec,
  cgroupIoBytes,
  cgroupNumber,
  cgroupOomKills,
  cgroupPopulated,
  cgroupPressureTotalUsec,
  cgroupProcs,
  keyedValue,
  readCgroupFile,
} from './cgroup/files.js'
export { cgroup2Mount, cgroupOf, parseCgroup2Mount, parseOwnCgroup } from './cgroup/mount.js'
export { describe, errnoCode, messageOf } from './errors/describe.js'
export {
  InvalidAgentIdError,
  InvalidOptionError,
  type InvalidOptionInit,
  WaitTimeoutError,
  WardenError,
} from './errors/errors.js'
export { emitSafely, rethrowLater } from './events/emit-safely.js'
export { type Listenable, type OnceOptions, once } from './events/once.js'
export { assertAgentId, isAgentId, MAX_AGENT_ID_LENGTH } from './ids/agent-id.js'
export {
  bootId,
  bootTime,
  clockTicksPerSecond,
  pageSize,
  startTimeFromTicks,
} from './proc/boot.js'
export {
  isExited,
  isSameProcessAlive,
  type ProcessIdentity,
  type ProcStat,
  parseStat,
  readStat,
  startTicksOf,
  UNKNOWN_START_TICKS,
} from './proc/stat.js'
export { childrenOf, descendants, descendantsSync } from './proc/tree.js'
export { KeyedQueue } from './queue/keyed.js'
export { SerialQueue, serialize } from './queue/serial.js'
export { Ticker } from './queue/ticker.js'
export { durationMs, MAX_TIMER_MS } from './validate/duration.js'
