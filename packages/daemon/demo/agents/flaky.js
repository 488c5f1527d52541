// Demo agent: cannot reach its database and gives up after 0.8 s, every time.
console.log('connecting to postgres at 127.0.0.1:5432 …')
setTimeout(() => {
  console.error('Error: connect ECONNREFUSED 127.0.0.1:5432')
  process.exit(1)
}, 800)
