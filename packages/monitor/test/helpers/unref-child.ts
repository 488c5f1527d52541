// Started by test/monitor/lifecycle.test.ts: a running monitor must not keep this process alive.
import { ResourceMonitor } from '../../src/index.js'

const monitor = new ResourceMonitor({
  registry: { list: () => [{ id: 'self', pid: process.pid, startTicks: null, status: 'running' as const }] },
  intervalMs: 60_000,
})
monitor.once('poll', (report) => console.log(`polled ${report.sampled}`))
monitor.start()
// No stop(): once the first tick is done nothing but the unref'd timer is left, and the process exits.
