/** One node's line of CLUSTER NODES. */
export interface ClusterNodeLine {
  id: string;
  /** The address it announces (ip:port of `ip:port@cport[,hostname]`). */
  host: string;
  port: number;
  flags: string[];
  masterId: string | null;
  configEpoch: number;
  linkState: string;
  slots: string[];
}

export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flags, master, , , epoch, link, ...slots] = line.trim().split(" ");
      return {
        id,
        host: addr.slice(0, addr.lastIndexOf(":", addr.indexOf("@"))),
        port: Number(/:(\d+)@/.exec(addr)?.[1]),
        flags: flags.split(","),
        masterId: master === "-" ? null : master,
        configEpoch: Number(epoch),
        linkState: link,
        slots,
      };
    });
}

/** Slots a node serves, from its slot ranges ("0-5460", "5461"); slots being migrated ("[...]") are not counted. */
export function slotCount(slots: string[]): number {
  return slots
    .filter((r) => !r.startsWith("["))
    .reduce((sum, r) => {
      const [a, b] = r.split("-").map(Number);
      return sum + (b ?? a) - a + 1;
    }, 0);
}
