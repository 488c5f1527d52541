export * from './proc/index.js'
export type { AgentInfo, AgentStatus, PidSource } from './registry/types.js'
