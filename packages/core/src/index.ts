export * from './proc/index.js'
