// Demo agent: a worker that processes a few jobs a second and stays small.
let jobs = 0
setInterval(() => {
  for (let i = 0; i < 2000; i++) Math.sqrt(i)
  jobs += 5
  if (jobs % 50 === 0) console.log(`processed ${jobs} jobs`)
}, 1000)
