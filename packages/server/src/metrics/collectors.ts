import type { CollectorName, CollectorResult } from '@warden/host'
import type { MetricSpec } from './define.js'
import type { ScrapeInput } from './input.js'

type Spec = MetricSpec<ScrapeInput>
const COLLECTORS: readonly CollectorName[] = ['cpu', 'memory', 'disks', 'temperature', 'gpu', 'systemd']

function results(input: ScrapeInput): [CollectorName, CollectorResult<unknown>][] {
  const out: [CollectorName, CollectorResult<unknown>][] = []
  for (const name of COLLECTORS) {
    const r = input.host?.[name] as CollectorResult<unknown> | undefined
    if (r !== undefined) out.push([name, r])
  }
  return out
}

/** How the collectors and ticks went, as node_exporter's `node_scrape_collector_*`. */
export const COLLECTOR_GAUGES: readonly Spec[] = [
  {
    name: 'warden_collector_success',
    help: 'Whether the host collector’s last reading succeeded (1) or not (0).',
    labelNames: ['collector'],
    collect: (input, emit) => {
      for (const [collector, r] of results(input)) emit({ collector }, r.ok ? 1 : 0)
    },
  },
  {
    name: 'warden_collector_duration_seconds',
    help: 'How long the host collector’s last reading took in seconds.',
    labelNames: ['collector'],
    collect: (input, emit) => {
      for (const [collector, r] of results(input)) emit({ collector }, r.durationMs / 1000)
    },
  },
  {
    name: 'warden_tick_duration_seconds',
    help: 'Wall time of the last tick in seconds: monitor="agents" (sampling and store writes), "host" (host collectors).',
    labelNames: ['monitor'],
    collect: (input, emit) => {
      if (input.lastPoll !== undefined) emit({ monitor: 'agents' }, input.lastPoll.durationMs / 1000)
      if (input.host !== undefined) emit({ monitor: 'host' }, input.host.durationMs / 1000)
    },
  },
  {
    name: 'warden_tick_timestamp_seconds',
    help: 'When the last tick began, since unix epoch in seconds.',
    labelNames: ['monitor'],
    collect: (input, emit) => {
      if (input.lastPoll !== undefined) emit({ monitor: 'agents' }, input.lastPoll.at / 1000)
      if (input.host !== undefined) emit({ monitor: 'host' }, input.host.at / 1000)
    },
  },
]
