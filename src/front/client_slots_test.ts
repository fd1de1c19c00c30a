import assert from "node:assert/strict";
import { clientKey, ClientSlots } from "./client_slots.ts";

Deno.test("clientKey counts an IPv6 client by its /64 and IPv4 by its address", async (t) => {
  const cases: [string, string][] = [
    ["192.0.2.7", "192.0.2.7"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ];
  for (const [address, key] of cases) {
    await t.step(address, () => assert.equal(clientKey(address), key));
  }
});

Deno.test("ClientSlots caps each client, addresses of one /64 together", () => {
  const slots = new ClientSlots(2);
  assert.ok(slots.take("2001:db8:1:2::a"));
  assert.ok(slots.take("2001:db8:1:2::b"));
  assert.equal(slots.take("2001:db8:1:2::c"), false, "a third address of the same /64");
  assert.ok(slots.take("2001:db8:1:3::a"), "another /64 is another client");
  slots.release("2001:db8:1:2::a");
  assert.equal(slots.held("2001:db8:1:2::ffff"), 1);
  assert.ok(slots.take("2001:db8:1:2::c"));
});
