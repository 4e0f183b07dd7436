/**
 * A small TCP fault proxy for regression tests under real faults (issue 7): put it between a
 * process and PostgreSQL, the Temporal server (gRPC over HTTP/2) or SMTP, point the process at
 * `proxy.address`, and make the dependency hang (`pause`), go away (`cut`) or turn slow (`slow`).
 * Plain node:net, byte-transparent: it never parses the protocol, so it works for all three.
 *
 * Each accepted connection opens its own upstream connection to the target; bytes are queued per
 * direction and released in order, which is where pause and latency are applied.
 */
import net from 'node:net';

export interface FaultProxy {
  readonly host: string; // '127.0.0.1'
  readonly port: number;
  readonly address: string; // `${host}:${port}`
  /** Hang: keep connections open but forward no bytes either way; new connections are accepted and held. */
  pause(): void;
  /** Undo pause(): held bytes flow on. */
  resume(): void;
  /** Outage: destroy every open connection and refuse (close at once) new ones until restore(). */
  cut(): void;
  restore(): void;
  /** Latency: delay every chunk by ms in both directions (0 turns it off). */
  slow(ms: number): void;
  /** Open client connections now. */
  connections(): number;
  close(): Promise<void>;
}

/** Above this many held bytes in one direction the sending socket stops being read (backpressure). */
const HIGH_WATER_BYTES = 1024 * 1024;

interface Held {
  chunk: Buffer;
  releaseAt: number;
}

interface Faults {
  paused: boolean;
  delayMs: number;
}

/** One direction of one connection: bytes from `from` wait here until the faults let them go to `to`. */
class Channel {
  private readonly queue: Held[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private closed = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly faults: Faults,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.queue.push({ chunk, releaseAt: Date.now() + this.faults.delayMs });
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > HIGH_WATER_BYTES) from.pause();
      this.pump();
    });
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
    to.on('drain', () => this.pump());
  }

  /** Releases what the faults allow, in order; re-arms a timer for the next delayed chunk. */
  pump(): void {
    if (this.closed || this.faults.paused) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (this.to.writableNeedDrain || this.to.connecting) return; // 'drain' / 'connect' pumps again
      const wait = head.releaseAt - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.chunk.length;
      this.to.write(head.chunk);
    }
    if (this.from.isPaused() && !this.ended) this.from.resume();
    if (this.ended && !this.to.writableEnded) this.to.end();
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  channels: Channel[];
}

export async function startFaultProxy(target: { host: string; port: number }, opts: { port?: number } = {}): Promise<FaultProxy> {
  const host = '127.0.0.1';
  const faults: Faults = { paused: false, delayMs: 0 };
  let isCut = false;
  const links = new Set<Link>();

  const drop = (link: Link, hard: boolean) => {
    if (!links.delete(link)) return;
    for (const ch of link.channels) ch.stop();
    for (const s of [link.client, link.upstream]) {
      if (hard && !s.destroyed && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
  };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    if (isCut) {
      // Refused: closed at once with a reset, before a single byte.
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const toUpstream = new Channel(client, upstream, faults);
    const link: Link = { client, upstream, channels: [toUpstream, new Channel(upstream, client, faults)] };
    links.add(link);
    upstream.on('connect', () => toUpstream.pump());
    // Either side failing or closing ends the pair: an upstream refusal reaches the client as a reset.
    upstream.on('error', () => drop(link, true));
    client.on('error', () => drop(link, true));
    upstream.on('close', () => drop(link, false));
    client.on('close', () => drop(link, false));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const pumpAll = () => {
    for (const link of links) for (const ch of link.channels) ch.pump();
  };

  return {
    host,
    port,
    address: `${host}:${port}`,
    pause() {
      faults.paused = true;
    },
    resume() {
      faults.paused = false;
      pumpAll();
    },
    cut() {
      isCut = true;
      for (const link of [...links]) drop(link, false);
    },
    restore() {
      isCut = false;
    },
    slow(ms: number) {
      faults.delayMs = Math.max(0, ms);
    },
    connections() {
      return links.size;
    },
    async close() {
      for (const link of [...links]) drop(link, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
