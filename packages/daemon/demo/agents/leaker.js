// Demo agent: leaks about 20 MiB a second (touched, so it is resident) until it is restarted.
const kept = []
setInterval(() => {
  kept.push(Buffer.alloc(4 * 1024 * 1024, kept.length))
  if (kept.length % 10 === 0) console.log(`holding ${kept.length * 4} MiB`)
}, 200)
