/**
 * The application user's rights in acl mode: only the keys and commands the harness's clients use, so that a run
 * proves the workload works under least privilege (and a client that asks for more is refused with NOPERM).
 */

/** Key prefixes the clients write and read: the write ledger (w:), the key/value load (key:), the dataset DEBUG POPULATE made and the load overwrites (data:), the app tier (app:), the registers workload (reg:, ctr:). */
export const APP_KEY_PATTERNS = ["w:*", "key:*", "data:*", "app:*", "reg:*", "ctr:*"] as const;

/**
 * Commands on a data node: the workload's own (GET, SET, APPEND: the ledger's write, INCR); what ioredis, node-redis
 * and the lean engine send on connecting (AUTH, HELLO, CLIENT SETNAME, and INFO, without
 * which ioredis skips its ready and role checks with a warning);
 * what a Cluster client asks (CLUSTER SLOTS/SHARDS, READONLY for replica reads); PING for calibration.
 */
export const APP_COMMANDS = [
  "get",
  "set",
  "append",
  "incr",
  "ping",
  "auth",
  "hello",
  "info",
  "select",
  "readonly",
  "readwrite",
  "client|setname",
  "cluster|slots",
  "cluster|shards",
  "cluster|info",
] as const;

/** On a Sentinel: where the master and replicas are, and the failover announcements a Sentinel-aware client follows. */
export const SENTINEL_APP_COMMANDS = [
  "sentinel|get-master-addr-by-name",
  "sentinel|replicas",
  "sentinel|slaves",
  "sentinel|sentinels",
  "subscribe",
  "unsubscribe",
  "ping",
  "auth",
  "hello",
  "client|setname",
] as const;
export const SENTINEL_APP_CHANNELS = ["+switch-master"] as const;

const allow = (cmds: readonly string[]) => cmds.map((c) => `+${c}`).join(" ");

/** The ACL rule string of the application user on a data node. */
export function appUserRules(): string {
  return `resetkeys resetchannels ${APP_KEY_PATTERNS.map((p) => `~${p}`).join(" ")} -@all ${allow(APP_COMMANDS)}`;
}

/** The ACL rule string of the application user on a Sentinel. */
export function sentinelAppUserRules(): string {
  return `resetkeys resetchannels ${SENTINEL_APP_CHANNELS.map((c) => `&${c}`).join(" ")} -@all ${allow(SENTINEL_APP_COMMANDS)}`;
}
