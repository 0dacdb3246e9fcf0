import net from "node:net";
import tls from "node:tls";
import type { ClientTls } from "../../security/tls.js";
import RedisParser from "redis-parser";
import type { CommandClient, ReplyCallback } from "./command-client.js";

/** Commands are encoded into slabs this big and handed to the socket as slices of them: no copy per write. */
const SLAB_BYTES = 256 * 1024;
const GET = Buffer.from("*2\r\n$3\r\nGET\r\n");
const SET = Buffer.from("*3\r\n$3\r\nSET\r\n");
const PING = Buffer.from("*1\r\n$4\r\nPING\r\n");
const INCR = Buffer.from("*2\r\n$4\r\nINCR\r\n");
const APPEND = Buffer.from("*3\r\n$6\r\nAPPEND\r\n");
const CRLF = 0x0d0a;
/** Parts up to this many bytes are copied by a loop (see copyIn). */
const SMALL_COPY = 32;
/** `$<n>\r\n` for the lengths keys and small values have, encoded once. */
const BULK_HEADERS = Array.from({ length: 1024 }, (_, n) => Buffer.from(`$${n}\r\n`));

export interface LeanConnectionOptions {
  host: string;
  port: number;
  /** A command without a reply after this long fails as a timeout, and so does everything queued behind it (0: never). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** A secured server's login: AUTH is the connection's first command, and it is not open until that is accepted. */
  username?: string;
  password?: string;
  /** A TLS-only server: the connection speaks TLS, verifies the server against this CA and its address, and presents the client certificate. */
  tls?: ClientTls;
}

/**
 * One RESP2 connection for throughput work: commands are encoded straight into a shared output slab, everything
 * issued in one turn of the event loop leaves in one write (pipelining comes free), and replies are decoded by
 * redis-parser (the parser the Node clients grew up on) and matched to callbacks in order. No command objects, no
 * promises. A lost connection stays lost: every command issued to it fails at once with what closed it, and its
 * `onClose` lets the pool (lean-pool.ts) open a new one.
 */
export class LeanConnection implements CommandClient {
  private readonly socket: net.Socket;
  /** The event that says the connection is ready for commands: "connect", or "secureConnect" once TLS is negotiated. */
  private readonly ready: "connect" | "secureConnect";
  private readonly parser: RedisParser;
  /** Callbacks awaiting a reply, in order, in a ring (head .. head+count). */
  private pending: Array<ReplyCallback | undefined> = new Array(1024);
  private sentAt = new Float64Array(1024);
  private head = 0;
  private count = 0;
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private start = 0;
  private end = 0;
  private flushQueued = false;
  /** When this turn's first command was queued: the time every command of the turn waits for its reply from. */
  private turnStartedAt = 0;
  private closedWith: Error | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Called once when the connection is lost (or timed out), after every pending command has failed. */
  onClose: (err: Error) => void = () => {};

  private constructor(private readonly o: LeanConnectionOptions) {
    this.socket = o.tls ? tls.connect({ host: o.host, port: o.port, ...o.tls }) : net.connect({ host: o.host, port: o.port });
    this.socket.setNoDelay(true);
    this.ready = o.tls ? "secureConnect" : "connect";
    this.parser = new RedisParser({
      returnReply: (reply: unknown) => this.settle(null, reply),
      returnError: (err: Error) => this.settle(err),
      returnFatalError: (err: Error) => this.fail(err),
    });
    this.socket.on("data", (chunk) => this.parser.execute(chunk));
    this.socket.on("error", (err) => this.fail(err));
    this.socket.on("close", () => this.fail(Object.assign(new Error("Connection is closed"), { code: "ECONNRESET" })));
  }

  /** Connects, or rejects naming the address and why (the connect timeout included). */
  static open(o: LeanConnectionOptions): Promise<LeanConnection> {
    const c = new LeanConnection(o);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.close();
        reject(new Error(`lean engine: no connection to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms`));
      }, o.connectTimeoutMs);
      c.socket.once(c.ready, () => {
        // commandTimeoutMs 0: no timeout (a client left at its library's default), so no watchdog.
        if (o.commandTimeoutMs > 0) {
          c.watchdog = setInterval(() => c.checkTimeout(), Math.max(5, Math.min(100, o.commandTimeoutMs / 4)));
          c.watchdog.unref();
        }
        if (o.password === undefined) {
          clearTimeout(timer);
          return resolve(c);
        }
        c.call(["AUTH", ...(o.username ? [o.username] : []), o.password], (err) => {
          clearTimeout(timer);
          if (!err) return resolve(c);
          c.close();
          reject(new Error(`lean engine: ${o.host}:${o.port} refused the login: ${err.message}`));
        });
      });
      c.socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`lean engine: cannot connect to ${o.host}:${o.port}: ${err.message}`));
      });
    });
  }

  get(key: string | Buffer, cb: ReplyCallback): void {
    if (this.refuse(cb)) return;
    this.part(GET);
    this.bulk(key);
    this.queued(cb);
  }

  set(key: string | Buffer, value: string | Buffer, cb: ReplyCallback): void {
    if (this.refuse(cb)) return;
    this.part(SET);
    this.bulk(key);
    this.bulk(value);
    this.queued(cb);
  }

  append(key: string | Buffer, value: string | Buffer, cb: ReplyCallback): void {
    if (this.refuse(cb)) return;
    this.part(APPEND);
    this.bulk(key);
    this.bulk(value);
    this.queued(cb);
  }

  incr(key: string | Buffer, cb: ReplyCallback): void {
    if (this.refuse(cb)) return;
    this.part(INCR);
    this.bulk(key);
    this.queued(cb);
  }

  ping(cb: ReplyCallback): void {
    if (this.refuse(cb)) return;
    this.part(PING);
    this.queued(cb);
  }

  /** Any command, for the engine's own control traffic. */
  call(args: Array<string | Buffer>, cb: ReplyCallback): void {
    if (this.refuse(cb)) return;
    this.reserve(16);
    this.end += this.slab.write(`*${args.length}\r\n`, this.end, "latin1");
    for (const a of args) this.bulk(a);
    this.queued(cb);
  }

  /** Replies still owed. */
  get inFlight(): number {
    return this.count;
  }

  close(): void {
    clearInterval(this.watchdog);
    this.socket.destroy();
  }

  private part(b: Buffer): void {
    this.reserve(b.length);
    this.copyIn(b);
  }

  /**
   * `b` at the slab's end (room reserved). A command's parts are mostly a few bytes (its header, a length, a key):
   * TypedArray.prototype.set costs a call into the runtime and a memmove each, more than a loop over 30 bytes.
   */
  private copyIn(b: Buffer | Uint8Array): void {
    const n = b.length;
    const slab = this.slab;
    const at = this.end;
    if (n <= SMALL_COPY) for (let k = 0; k < n; k++) slab[at + k] = b[k];
    else slab.set(b, at);
    this.end = at + n;
  }

  /** A closed connection fails every command at once (asynchronously, as a reply would come). */
  private refuse(cb: ReplyCallback): boolean {
    const err = this.closedWith;
    if (err) process.nextTick(() => cb(err));
    return err !== undefined;
  }

  private queued(cb: ReplyCallback): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.turnStartedAt = performance.now();
      process.nextTick(this.flushNow);
    }
    this.push(cb);
  }

  private readonly flushNow = () => this.flush();

  /** `$<len>\r\n<bytes>\r\n` */
  private bulk(a: string | Buffer): void {
    const len = typeof a === "string" ? Buffer.byteLength(a) : a.length;
    this.reserve(len + 16);
    if (len < BULK_HEADERS.length) this.copyIn(BULK_HEADERS[len]);
    else this.end += this.slab.write(`$${len}\r\n`, this.end, "latin1");
    if (typeof a === "string") this.end += this.slab.write(a, this.end);
    else this.copyIn(a);
    this.slab.writeUInt16BE(CRLF, this.end);
    this.end += 2;
  }

  /** Room for `n` more bytes: what is pending moves to a new slab (the socket keeps its slices of the old one). */
  private reserve(n: number): void {
    if (this.end + n <= this.slab.length) return;
    const pendingBytes = this.slab.subarray(this.start, this.end);
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, (pendingBytes.length + n) * 2));
    pendingBytes.copy(this.slab, 0);
    this.start = 0;
    this.end = pendingBytes.length;
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.end === this.start || this.closedWith) return;
    this.socket.write(this.slab.subarray(this.start, this.end));
    this.start = this.end;
  }

  private push(cb: ReplyCallback): void {
    if (this.count === this.pending.length) this.grow();
    const i = (this.head + this.count) & (this.pending.length - 1);
    this.pending[i] = cb;
    this.sentAt[i] = this.turnStartedAt;
    this.count++;
  }

  private grow(): void {
    const n = this.pending.length * 2;
    const pending: Array<ReplyCallback | undefined> = new Array(n);
    const sentAt = new Float64Array(n);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (this.pending.length - 1);
      pending[k] = this.pending[i];
      sentAt[k] = this.sentAt[i];
    }
    this.pending = pending;
    this.sentAt = sentAt;
    this.head = 0;
  }

  private settle(err: Error | null, reply?: unknown): void {
    if (this.count === 0) return; // a reply nobody asked for: the connection is being torn down
    const cb = this.pending[this.head]!;
    this.pending[this.head] = undefined;
    this.head = (this.head + 1) & (this.pending.length - 1);
    this.count--;
    cb(err, reply);
  }

  /** Replies come in order, so once the oldest is overdue the connection is of no more use: fail it all. */
  private checkTimeout(): void {
    if (this.count > 0 && performance.now() - this.sentAt[this.head] > this.o.commandTimeoutMs) {
      this.fail(Object.assign(new Error(`Command timed out after ${this.o.commandTimeoutMs} ms`), { code: "ETIMEDOUT" }));
    }
  }

  private fail(err: Error): void {
    const first = !this.closedWith;
    if (first) {
      this.closedWith = err;
      this.close();
    }
    while (this.count > 0) this.settle(err);
    if (first) this.onClose(err);
  }
}
