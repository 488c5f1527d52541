// Demo agent: burns one core for 25 s, then rests 10 s, forever.
const BURN_MS = 25_000
const REST_MS = 10_000
function cycle() {
  console.log(`burning a core for ${BURN_MS / 1000} s`)
  const end = Date.now() + BURN_MS
  const slice = () => {
    const stop = Math.min(end, Date.now() + 50)
    while (Date.now() < stop) Math.sqrt(Math.random())
    if (Date.now() < end) setImmediate(slice)
    else {
      console.log(`resting ${REST_MS / 1000} s`)
      setTimeout(cycle, REST_MS)
    }
  }
  slice()
}
cycle()
