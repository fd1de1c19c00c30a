/**
 * A free TCP port on the loopback interface, for a QNTX program's `--port`. Another process may
 * take it before the program binds it; the program then fails its start and is started again.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
