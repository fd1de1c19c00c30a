/** What every view shares: the page's main area, the plugins as last seen, cleanups. */

export const main = document.getElementById("main");

export const plugins = new Map();

/** Functions that undo what the current view set up (timers, event streams). */
export const cleanups = [];
