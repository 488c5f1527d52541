export { emitSafely, rethrowLater } from './events/emit-safely.js'
