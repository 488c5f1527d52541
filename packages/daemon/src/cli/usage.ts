import { DEFAULT_URL } from './connection.js'

/** `warden help`: every command, the global options, the environment and the exit codes. */
export const USAGE = `Usage: warden <command> [options]

The daemon:
  warden run --config warden.yaml      run the supervisor, the monitors and the HTTP API

Commands that talk to a running daemon:
  warden status                        agents: status, pid, uptime, restarts, CPU, memory, alerts,
                                       and a sparkline of their CPU over the last hour
  warden logs <id> [-f] [-n N] [--stream stdout|stderr]
                                       the last N (100) lines of an agent's log; -f follows it
  warden start|stop|restart <id>       control an agent (needs a control token)
  warden history <id> [--since 24h] [--until T] [--interval 5m]
                                       resource history: raw points, or buckets with --interval;
                                       times are epoch ms or durations ago (15m, 24h, 7d)
  warden help                          this text

Options:
  --url <url>            the daemon's API (env WARDEN_URL; default ${DEFAULT_URL})
  --token <token>        bearer token (env WARDEN_TOKEN); others on the host can see
                         arguments in ps, so prefer WARDEN_TOKEN or --token-file
  --token-file <path>    read the token from a file
  --json                 print the daemon's JSON (logs: one JSON object per line)
  -h, --help             this text

Exit codes:
  0 ok   1 the daemon answered with an error   2 usage error   3 no daemon answers
  4 token missing, refused or read-only   130 interrupted
`
