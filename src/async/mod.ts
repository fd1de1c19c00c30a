/** Small async building blocks: deadlines, backoff and serial execution. @module */
export { type Backoff, backoffDelay } from "./backoff.ts";
export { DeadlineError, withDeadline } from "./deadline.ts";
export { SerialQueue } from "./serial.ts";
export { sleep } from "./sleep.ts";
export { afterReady } from "./after_ready.ts";
export { promised } from "./promised.ts";
export { Coalescer } from "./coalescer.ts";
