export { isSameProcessAlive, type ProcessIdentity, type ProcStat, parseStat, readStat } from './stat.js'
export { childrenOf, descendants, descendantsSync } from './tree.js'
