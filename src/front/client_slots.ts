/**
 * Connections held per client, capped. An IPv6 client is counted by its /64 (one host is
 * commonly given a whole /64 and can send from any address in it); IPv4 and IPv4-mapped
 * addresses by the address.
 */
export class ClientSlots {
  readonly #held = new Map<string, number>();

  constructor(readonly perClient: number) {}

  /** How many connections the client behind `address` holds. */
  held(address: string): number {
    return this.#held.get(clientKey(address)) ?? 0;
  }

  /** Takes a slot for the client; false when it already holds `perClient`. */
  take(address: string): boolean {
    const key = clientKey(address);
    const held = this.#held.get(key) ?? 0;
    if (held >= this.perClient) return false;
    this.#held.set(key, held + 1);
    return true;
  }

  release(address: string): void {
    const key = clientKey(address);
    const left = (this.#held.get(key) ?? 1) - 1;
    if (left > 0) this.#held.set(key, left);
    else this.#held.delete(key);
  }
}

/** The key a client's connections are counted under: an IPv6 address's /64, else the address. */
export function clientKey(address: string): string {
  if (!address.includes(":")) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const [head = "", tail = ""] = address.split("%")[0]!.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = address.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":") + "::/64";
}
