/**
 * Contract events to the browser in the Server-Sent Events format: `GET /api/events` (with the session's request
 * key, like every API call) keeps a response open, and each event the engine emits is written to every open
 * stream as `event: <name>` with `data: <JSON payload>`. Each stream belongs to the session that opened it and is
 * ended when that session ends (sign-out, expiry), so the page learns it at once: its reconnection is refused.
 *
 * Generic over CONTRACT_EVENTS: the sink handed to createContractHandlers is built from its names, so an
 * event added to the contract reaches the browser with no change here.
 */
import type http from 'node:http';
import { CONTRACT_EVENTS, type ContractEvent, type ContractEventPayload } from '../../../shared/contract.js';
import type { ContractEventSink } from '../../core/contract-handlers.js';

/** A stream that has this much unsent data is a client that stopped reading: it is dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Every contract event as a sink method; the assignment in `sink()` checks that the engine's sink interface is exactly this. */
type GenericEventSink = { [E in ContractEvent]: (payload: ContractEventPayload<E>) => void };

export class EventHub {
  /** Each open stream, with the session it belongs to. */
  private readonly clients = new Map<http.ServerResponse, string>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    /** A comment line is sent this often, so proxies and browsers keep an idle stream open. */
    private readonly heartbeatMs: number,
    private readonly log: (message: string) => void,
  ) {}

  /** The sink for createContractHandlers: one method per contract event, each broadcasting its payload. */
  sink(): ContractEventSink {
    const sink: Partial<Record<ContractEvent, (payload: unknown) => void>> = {};
    for (const name of Object.keys(CONTRACT_EVENTS) as ContractEvent[]) sink[name] = (payload) => this.broadcast(name, payload);
    const generic = sink as GenericEventSink;
    return generic;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Turns `response` into an event stream until the browser closes it, its session ends or the server stops. */
  attach(request: http.IncomingMessage, response: http.ServerResponse, session: string): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      // Proxies that buffer (nginx) would hold the events back.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    // The first line confirms the stream; `retry` tells the page how soon to reconnect after a drop.
    response.write(': keywarden events\nretry: 2000\n\n');
    this.clients.set(response, session);
    const remove = () => {
      this.clients.delete(response);
      if (this.clients.size === 0) this.stopHeartbeat();
    };
    request.on('close', remove);
    response.on('close', remove);
    this.startHeartbeat();
  }

  /** Writes one event to every stream. The payload is checked against the contract first; what is not declared is not sent. */
  broadcast(name: ContractEvent, payload: unknown): void {
    const parsed = CONTRACT_EVENTS[name].safeParse(payload);
    if (!parsed.success) {
      this.log(`an ${name} event does not fit the contract and was not sent: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    // JSON.stringify escapes newlines, so the payload is one `data:` line.
    this.write(`event: ${name}\ndata: ${JSON.stringify(parsed.data)}\n\n`);
  }

  /** Ends the streams of one session (it signed out or expired). */
  endSession(session: string): void {
    for (const [client, owner] of [...this.clients]) {
      if (owner !== session) continue;
      this.clients.delete(client);
      client.end();
    }
    if (this.clients.size === 0) this.stopHeartbeat();
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    this.stopHeartbeat();
    for (const client of this.clients.keys()) client.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const client of [...this.clients.keys()]) {
      if (client.writableLength > MAX_BUFFERED_BYTES) {
        this.clients.delete(client);
        client.destroy();
        continue;
      }
      client.write(chunk);
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
