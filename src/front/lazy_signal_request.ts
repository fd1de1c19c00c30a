/**
 * A request whose `signal` is made only when read. `Request` builds its own signal following the
 * one given in its init, which costs as much as the rest of a `Request` (~2.5 µs of ~3), and
 * most handlers answer without reading it. `signalOf` gives the signal to hand out (a caller's
 * own controller's, as is); without it the request makes its own, which {@link abort} aborts.
 * Only for the host's own handlers: `Request`'s internals (`fetch(request)`,
 * `new Request(request)`) read its own signal, which never aborts; `clone()` is mended here.
 */
export class LazySignalRequest extends Request {
  readonly #signalOf?: () => AbortSignal;
  #signal?: AbortSignal;
  #own?: AbortController;
  #reason?: Error;

  constructor(input: string | URL, init: RequestInit, signalOf?: () => AbortSignal) {
    super(input, init);
    this.#signalOf = signalOf;
  }

  /** Aborts the request's own signal, now or when it is first read (the client went away). */
  abort(reason: Error): void {
    this.#reason ??= reason;
    this.#own?.abort(reason);
  }

  override clone(): Request {
    return new Request(super.clone(), { signal: this.lazySignal() });
  }

  /** The signal, made now if this is its first read. */
  lazySignal(): AbortSignal {
    if (this.#signal) return this.#signal;
    if (this.#signalOf) return this.#signal = this.#signalOf();
    this.#own = new AbortController();
    if (this.#reason) this.#own.abort(this.#reason);
    return this.#signal = this.#own.signal;
  }
}

// `signal` is a property of `Request` to the type checker, so it is replaced on the prototype.
Object.defineProperty(LazySignalRequest.prototype, "signal", {
  get(this: LazySignalRequest) {
    return this.lazySignal();
  },
  configurable: true,
  enumerable: true,
});
