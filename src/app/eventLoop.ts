// Long work (exports, imports) yields between batches: a chain of awaits
// alone runs in microtasks and starves timers and sockets — and on PGlite the
// database itself runs in this thread — so /healthz and ordinary requests
// would wait for the whole file.

/** One macrotask turn: timers and sockets get their go. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
