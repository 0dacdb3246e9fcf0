import net from "node:net";

/**
 * A free TCP port on `host` (an address of this machine's: where the port will be published). Nodes that a fault restarts get fixed host ports (Docker would hand a restarted
 * container a new ephemeral port, and the admin connection would lose it).
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
