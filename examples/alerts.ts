// A ResourceMonitor watching an agent that burns a CPU core for 2.5 s and then idles:
// warning when it first crosses 30 %, error once it stayed over for 600 ms, resolved when it
// comes back under. Run: node --conditions=@warden/source --import tsx examples/alerts.ts
import { Supervisor } from '@warden/core'
import { ResourceMonitor, type ThresholdAlert, type ThresholdResolved } from '@warden/monitor'

const burnThenIdle = 'const end = Date.now() + 2500; while (Date.now() < end); setInterval(() => {}, 1e9)'

const supervisor = new Supervisor()
supervisor.add({ id: 'burner', command: process.execPath, args: ['-e', burnThenIdle], restart: 'never' })

const monitor = new ResourceMonitor({
  registry: supervisor.registry,
  intervalMs: 200,
  defaultThreshold: { cpuPercent: 30, durationMs: 600 },
})

const t0 = Date.now()
const stamp = () => `+${String(Date.now() - t0).padStart(5)} ms`
const show = (a: ThresholdAlert | ThresholdResolved) =>
  `${a.agentId} ${a.resource}=${a.value === null ? '-' : a.value.toFixed(1)} line=${a.threshold} over for ${a.exceededForMs} ms`

monitor.on('threshold:warning', (a) => console.log(`${stamp()} warning   ${show(a)}`))
monitor.on('threshold:error', (a) => console.log(`${stamp()} error     ${show(a)}`))
monitor.on('collect-error', ({ error }) => console.error(`${stamp()} collect-error ${error.message}`))

const resolved = new Promise<ThresholdResolved>((resolve) => monitor.once('threshold:resolved', resolve))
await supervisor.start('burner')
monitor.start()
const r = await resolved
console.log(`${stamp()} resolved  ${show(r)} (reason: ${r.reason})`)

await monitor.stop()
await supervisor.shutdown()
