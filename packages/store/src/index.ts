export type { ResourceDataPoint } from './types.js'
