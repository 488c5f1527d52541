// Child program of test/sampler/unreadable.test.ts (bundled, run with plain node, possibly as
// another user): samples the pid in argv twice, 300 ms apart, with each backend; prints JSON.
import { PidusageSampler } from '../../src/sampler/pidusage-sampler.js'
import { ProcfsSampler } from '../../src/sampler/procfs-sampler.js'

const pid = Number(process.argv[2])
const out: Record<string, unknown[]> = {}
for (const sampler of [new ProcfsSampler(), new PidusageSampler()]) {
  const points: unknown[] = []
  for (let i = 0; i < 2; i++) {
    // A cpu % needs two readings some real time apart.
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 300))
    const o = (await sampler.sampleAll([{ id: 't', pid }], { includeChildren: false })).get('t')!
    points.push(o.kind === 'ok' ? o.point : o.kind === 'error' ? String(o.error) : o.kind)
  }
  sampler.close()
  out[sampler.backend] = points
}
process.stdout.write(JSON.stringify(out))
