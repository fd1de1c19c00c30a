import type { Link } from "./front_link.ts";

/**
 * Whether the front can take one more connection beside `links`, within `max` in all
 * (`[server] max_connections`, beside the bound per client: many clients each under their own
 * cap must not take every descriptor the host has). At the bound, the connection idle longest
 * between two requests makes room (a client may have a kept-alive connection closed at any
 * time, RFC 9112 §9.6, and opens another when it needs one): `close` is called on it. With none
 * idle, the new connection is refused (503).
 */
export function makeRoom(
  links: ReadonlySet<Link>,
  max: number,
  close: (link: Link) => void,
): "room" | "closed an idle one" | "full" {
  if (links.size < max) return "room";
  const idle = idlest(links);
  if (!idle) return "full";
  close(idle);
  return links.size < max ? "closed an idle one" : "full";
}

/** The connection waiting longest for its next request; none when every one is in use. */
function idlest(links: ReadonlySet<Link>): Link | undefined {
  let found: Link | undefined;
  for (const link of links) {
    // A WebSocket handed on, or being handed on, is in use however quiet it is.
    const between = !link.busy && link.headSince === 0 && link.writingSince === 0 &&
      link.bodyWaitSince === 0 && !link.closed && !link.upgrading;
    if (between && (!found || link.lastActive < found.lastActive)) found = link;
  }
  return found;
}
