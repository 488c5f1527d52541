/**
 * Lifecycle and alert markers from the server's events (`/v1/events/recent` for the past,
 * `/v1/events` live), and a uPlot plugin that draws them as vertical lines on an agent's chart.
 * Pure except for the plugin's drawing, so it is tested in Node too.
 */

/** Marker kinds, their colour and label, in legend order. */
export const MARKER_KINDS = {
  start: { color: '#2e9e44', label: 'start' },
  restart: { color: '#2f6fdd', label: 'restart' },
  exit: { color: '#7a7a7a', label: 'exit' },
  crash: { color: '#b4232a', label: 'crash' },
  fatal: { color: '#000000', label: 'fatal' },
  warning: { color: '#e08a00', label: 'warning' },
  error: { color: '#d6336c', label: 'error' },
  resolved: { color: '#0ca678', label: 'resolved' },
}

/**
 * Turns events, oldest first, into markers `{ id, time, agent, kind, text }`. An `agent:start` is a
 * restart when its `restartCount` rose above the count the agent had when it went to `starting`
 * (the supervisor counts a restart from the API and a crash restart alike); `agent:restart` itself
 * adds no marker, the start that follows it does. `state` carries that count across calls, so live
 * events continue what the past ones began.
 */
export function markersFrom(events, state = new Map()) {
  const out = []
  for (const e of events) {
    const d = e.data ?? {}
    const agent = e.agent
    let kind = null
    let text = ''
    switch (e.event) {
      case 'agent:status':
        if (d.to === 'starting' && Number.isInteger(d.info?.restartCount))
          state.set(agent, d.info.restartCount)
        break
      case 'agent:start': {
        const before = state.get(agent)
        kind = before !== undefined && d.restartCount > before ? 'restart' : 'start'
        state.set(agent, d.restartCount)
        text = `${kind} pid ${d.pid}${kind === 'restart' ? ` (restart ${d.restartCount})` : ''}`
        break
      }
      case 'agent:exit':
        kind = d.expected === false ? 'crash' : 'exit'
        text = `exit pid ${d.pid} ${d.signal ?? `code ${d.code}`}${d.expected === false ? ' (unexpected)' : ''}`
        break
      case 'agent:fatal':
        kind = 'fatal'
        text = `fatal: ${d.reason}`
        break
      case 'threshold:warning':
      case 'threshold:error':
      case 'threshold:resolved':
        kind = e.event.slice('threshold:'.length)
        text = `${kind} ${d.resource ?? ''}${d.reason ? ` (${d.reason})` : ''}`
        break
      default:
        break
    }
    if (kind !== null) out.push({ id: e.id, time: e.time, agent, kind, text })
  }
  return out
}

/** `markers` grouped by agent id. */
export function byAgent(markers) {
  const map = new Map()
  for (const m of markers) {
    const list = map.get(m.agent)
    if (list === undefined) map.set(m.agent, [m])
    else list.push(m)
  }
  return map
}

/** A uPlot plugin drawing `getMarkers()` (times in ms) as vertical lines with a cap in their colour. */
export function markersPlugin(getMarkers) {
  return {
    hooks: {
      draw: [
        (u) => {
          const markers = getMarkers()
          if (markers.length === 0) return
          const { ctx, bbox } = u
          const [min, max] = [u.scales.x.min, u.scales.x.max]
          ctx.save()
          ctx.lineWidth = Math.max(1, devicePixelRatio)
          for (const m of markers) {
            const t = m.time / 1000
            if (t < min || t > max) continue
            const x = Math.round(u.valToPos(t, 'x', true))
            ctx.strokeStyle = MARKER_KINDS[m.kind]?.color ?? '#000'
            ctx.fillStyle = ctx.strokeStyle
            ctx.setLineDash(m.kind === 'exit' || m.kind === 'resolved' ? [4, 3] : [])
            ctx.beginPath()
            ctx.moveTo(x, bbox.top)
            ctx.lineTo(x, bbox.top + bbox.height)
            ctx.stroke()
            ctx.beginPath()
            ctx.moveTo(x - 4 * devicePixelRatio, bbox.top)
            ctx.lineTo(x + 4 * devicePixelRatio, bbox.top)
            ctx.lineTo(x, bbox.top + 6 * devicePixelRatio)
            ctx.fill()
          }
          ctx.restore()
        },
      ],
    },
  }
}
