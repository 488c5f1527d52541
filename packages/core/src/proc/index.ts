export { bootTime, CLOCK_TICKS_PER_SECOND, startTimeFromTicks } from './boot.js'
export { isSameProcessAlive, type ProcessIdentity, type ProcStat, parseStat, readStat } from './stat.js'
export { childrenOf, descendants, descendantsSync } from './tree.js'
