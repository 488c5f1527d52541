export type { SampleOptions, SampleOutcome, Sampler, SampleTarget } from './sampler/types.js'
