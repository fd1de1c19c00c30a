/**
 * `target` whose async methods wait for `ready` first (a database being migrated, say), and
 * fail with its error when it fails; the methods named in `now` are called at once.
 */
export function afterReady<T extends object>(
  target: T,
  ready: Promise<unknown>,
  now: readonly (keyof T)[] = [],
): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== "function" || now.includes(key as keyof T)) {
        return typeof value === "function" ? value.bind(object) : value;
      }
      return async (...args: unknown[]) => {
        await ready;
        return await value.apply(object, args);
      };
    },
  });
}
