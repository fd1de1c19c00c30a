/** Small async building blocks: deadlines and serial execution. @module */
export { DeadlineError, withDeadline } from "./deadline.ts";
export { SerialQueue } from "./serial.ts";
export { sleep } from "./sleep.ts";
