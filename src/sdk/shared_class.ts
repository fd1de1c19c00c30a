/**
 * `instanceof` that holds across copies of an SDK class. Under the host a plugin starts from the
 * SDK's bundle; one that also imports a module of the SDK by its own path holds a second copy
 * of its classes, and an error it throws from one copy must still be that error to the other.
 * Instances carry a registered symbol (the same in every copy); the class itself tests for it,
 * while subclasses keep the usual test.
 */
export function markShared(instance: object, brand: symbol): void {
  Object.defineProperty(instance, brand, { value: true });
}

/** The `Symbol.hasInstance` of a shared class `base`, asked through `asked` (it or a subclass). */
export function isSharedInstance(
  asked: abstract new (...args: never[]) => unknown,
  base: abstract new (...args: never[]) => unknown,
  brand: symbol,
  value: unknown,
): boolean {
  if (asked !== base) return Function.prototype[Symbol.hasInstance].call(asked, value);
  return typeof value === "object" && value !== null && brand in value;
}
