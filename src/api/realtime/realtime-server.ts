import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  RealtimeRefusal,
  type RealtimeHub,
  type RealtimePrincipal,
  type RealtimeSession,
} from '../../application/realtime/realtime-hub';
import type { RealtimeConfig } from '../../infrastructure/config/config';
import { ApiError } from '../http/api-error';
import type { BearerAuthentication } from '../http/auth';
import { verifyApiKey, type ApiKeyLookup } from '../http/api-keys';
import { findRawCardDataInRequest, isSafeClientId, RAW_CARD_DATA_MESSAGE } from '../http/card-data-guard';
import { findDuplicateKey } from '../http/strict-json';
import { REALTIME_PATH, realtimeApiKey, realtimePrincipal, realtimeQuery } from './realtime-auth';

export type RealtimeServerOptions = Pick<
  RealtimeConfig,
  'maxMessageBytes' | 'maxMessagesPerSecond' | 'pingIntervalMs' | 'maxBufferedBytes'
>;

interface Connection {
  ws: WebSocket;
  session: RealtimeSession;
  outbound: Subscription;
  /** Answered the last ping (or was just opened). */
  alive: boolean;
  /** Client messages in the current second. */
  windowStart: number;
  windowCount: number;
}

/** A frame this much larger than the message limit is not read at all: ws closes the connection (1009). */
const HARD_LIMIT_FACTOR = 16;

/**
 * The WebSocket transport of GET /v1/realtime (ws in noServer mode on the HTTP server's `upgrade` event): it
 * authenticates the upgrade, refuses it in the standard error envelope, and moves text between a socket and its
 * RealtimeSession. Protects the process: bounded frames and message rate, pings that find dead peers, and slow
 * readers closed instead of buffered without end. The logic lives in RealtimeHub.
 */
export class RealtimeServer {
  private readonly wss: WebSocketServer;
  /** The request id each upgrade is answered with, for a refusal ws reports (wsClientError). */
  private readonly requestIds = new WeakMap<http.IncomingMessage, string>();
  private readonly connections = new Set<Connection>();
  private heartbeat?: NodeJS.Timeout;
  private readonly servers: http.Server[] = [];
  closedSlow = 0;
  closedUnresponsive = 0;

  constructor(
    private readonly deps: {
      hub: RealtimeHub;
      /** The HTTP pipeline's authentication (src/api/http/auth.ts): a token means the same here as on REST. */
      authenticate: BearerAuthentication;
      /** The API keys, checked on the upgrade as on every /v1 request (REQUIRE_API_KEY: `required`). */
      apiKeys: { lookup: ApiKeyLookup; required: boolean };
      logger: Logger;
      options: RealtimeServerOptions;
    },
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.options.maxMessageBytes * HARD_LIMIT_FACTOR,
      perMessageDeflate: false, // compression state costs ~300 KB per connection under load
      clientTracking: false,
    });
    // Whatever handshake header ws still finds wrong after ours (Sec-WebSocket-Protocol): the envelope, not ws's text.
    this.wss.on('wsClientError', (error: Error, socket: Duplex, req: http.IncomingMessage) =>
      refuseUpgrade(
        socket,
        new ApiError(400, 'INVALID_HEADER', error.message),
        this.requestIds.get(req) ?? randomUUID(),
      ),
    );
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  attach(server: http.Server): void {
    server.on('upgrade', this.onUpgrade);
    this.servers.push(server);
    this.heartbeat ??= setInterval(() => this.ping(), this.deps.options.pingIntervalMs);
    this.heartbeat.unref();
  }

  /** Stops accepting, says goodbye (1001) and waits briefly for the peers' close, then cuts the rest. */
  async close(graceMs = 1000): Promise<void> {
    for (const server of this.servers) server.off('upgrade', this.onUpgrade);
    if (this.heartbeat) clearInterval(this.heartbeat);
    const open = [...this.connections];
    const closed = open.map(
      ({ ws }) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1001, 'Server shutting down');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    for (const { ws } of this.connections) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Until ws owns the socket, a reset must not become an unhandled 'error'.
    socket.on('error', ignore);
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && isSafeClientId(headerId) ? headerId : randomUUID();
    this.requestIds.set(req, requestId);
    const refuse = (error: ApiError) => refuseUpgrade(socket, error, requestId);

    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://realtime.invalid');
    } catch {
      return refuse(new ApiError(400, 'BAD_REQUEST', 'The request target cannot be parsed'));
    }
    if (url.pathname !== REALTIME_PATH)
      return refuse(new ApiError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${url.pathname}`));
    const handshake = handshakeProblem(req);
    if (handshake) return refuse(handshake);
    // Card data in the query string is refused here as on every other route (before the token is even read).
    const cardField = findRawCardDataInRequest({ query: Object.fromEntries(url.searchParams) });
    if (cardField !== undefined)
      return refuse(new ApiError(400, 'RAW_CARD_DATA_REJECTED', RAW_CARD_DATA_MESSAGE, { field: cardField }));
    const query = realtimeQuery(url.searchParams);
    if (query instanceof ApiError) return refuse(query);
    // The calling application first, as the /v1 pipeline checks it before the route reads the token.
    const key = realtimeApiKey(req.headers['x-api-key'], query.apiKey);
    if (key instanceof ApiError) return refuse(key);
    const { lookup, required } = this.deps.apiKeys;
    const application = verifyApiKey(lookup, required, key);
    if (application instanceof ApiError) return refuse(application);
    realtimePrincipal(this.deps.authenticate, query.token).then(
      (principal) => {
        if (principal instanceof ApiError) return refuse(principal);
        this.connect(req, socket, head, principal, refuse);
      },
      (error: unknown) => {
        this.deps.logger.error({ err: error }, 'realtime authentication failed');
        refuse(new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side'));
      },
    );
  };

  /** The authenticated upgrade: a session from the hub, then the WebSocket. */
  private connect(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    principal: RealtimePrincipal,
    refuse: (error: ApiError) => void,
  ): void {
    // The peer may have gone while its token was checked: no session for a socket that will never open.
    if (socket.destroyed) return;
    let session: RealtimeSession;
    try {
      session = this.deps.hub.connect(principal);
    } catch (error) {
      if (error instanceof RealtimeRefusal) {
        // A connection frees when one of the user's closes: no window resets, so the wait is a suggestion.
        const wait = String(TOO_MANY_CONNECTIONS_RETRY_SECONDS);
        return refuse(
          new ApiError(
            429,
            error.code,
            error.message,
            { max_connections: error.limit },
            {
              'Retry-After': wait,
              'X-RateLimit-Limit': String(error.limit),
              'X-RateLimit-Remaining': '0',
              'X-RateLimit-Reset': wait,
            },
          ),
        );
      }
      this.deps.logger.error({ err: error }, 'realtime connection failed');
      return refuse(new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side'));
    }
    let opened = false;
    // ws answers a malformed handshake itself (400) without calling back: the session must not stay behind.
    socket.once('close', () => {
      if (!opened) session.close();
    });
    socket.off('error', ignore);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      this.open(ws, session);
    });
  }

  private open(ws: WebSocket, session: RealtimeSession): void {
    const connection: Connection = {
      ws,
      session,
      alive: true,
      windowStart: Date.now(),
      windowCount: 0,
      outbound: session.outbound$.subscribe({
        next: ({ text }) => this.send(connection, text),
        complete: () => ws.close(1001, 'Server shutting down'),
      }),
    };
    this.connections.add(connection);
    ws.on('pong', () => (connection.alive = true));
    ws.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    ws.on('error', (err) => this.deps.logger.debug({ err }, 'realtime connection error'));
    ws.on('close', () => {
      this.connections.delete(connection);
      connection.outbound.unsubscribe();
      session.close();
    });
    void session.start();
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    const { session } = connection;
    const now = Date.now();
    if (now - connection.windowStart >= 1000) {
      connection.windowStart = now;
      connection.windowCount = 0;
    }
    connection.windowCount += 1;
    const { maxMessagesPerSecond, maxMessageBytes } = this.deps.options;
    if (connection.windowCount > maxMessagesPerSecond) {
      // One error per window is enough; the rest of a flood is dropped silently.
      if (connection.windowCount === maxMessagesPerSecond + 1)
        session.refuse('RATE_LIMIT_EXCEEDED', `At most ${maxMessagesPerSecond} messages per second`);
      return;
    }
    if (isBinary) return session.refuse('BINARY_NOT_SUPPORTED', 'Messages are JSON text frames');
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    if (bytes.length > maxMessageBytes)
      return session.refuse('MESSAGE_TOO_LARGE', `A message may have at most ${maxMessageBytes} bytes`);
    // Read as HTTP bodies are: a repeated key is refused, not settled by whichever came last.
    const repeated = findDuplicateKey(bytes);
    if (repeated !== undefined)
      return session.refuse(
        'INVALID_MESSAGE',
        `A message must not repeat a key ("${repeated.slice(0, 32)}")`,
      );
    void session.receive(bytes.toString('utf8'));
  }

  private send(connection: Connection, text: string): void {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    // A reader that cannot keep up is cut off: buffering for it would grow without bound.
    if (ws.bufferedAmount > this.deps.options.maxBufferedBytes) {
      this.closedSlow += 1;
      ws.terminate();
      return;
    }
    ws.send(text);
  }

  private ping(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.closedUnresponsive += 1;
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }
}

const ignore = () => undefined;

/** What a 429 TOO_MANY_CONNECTIONS suggests waiting before the next upgrade (Retry-After). */
const TOO_MANY_CONNECTIONS_RETRY_SECONDS = 5;

/** RFC 6455: the key is 16 random bytes in base64. */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * The WebSocket handshake's own headers, checked as ws checks them but before the token is read, so a malformed
 * handshake is refused in the error envelope (ws answers it in plain text). Another method is 404, as an unknown
 * method on any known path; a version the server does not speak is 426 with the versions it does (RFC 6455 4.2.2).
 */
function handshakeProblem(req: http.IncomingMessage): ApiError | undefined {
  if (req.method !== 'GET')
    return new ApiError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${REALTIME_PATH}`);
  if (req.headers.upgrade?.toLowerCase() !== 'websocket')
    return new ApiError(
      426,
      'UPGRADE_REQUIRED',
      'Connect with a WebSocket client (Upgrade: websocket)',
      {},
      { Upgrade: 'websocket' },
    );
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !WEBSOCKET_KEY.test(key))
    return new ApiError(
      400,
      'INVALID_HEADER',
      'Sec-WebSocket-Key must be 16 random bytes in base64 (RFC 6455)',
      { header: 'Sec-WebSocket-Key' },
    );
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8')
    return new ApiError(
      426,
      'UPGRADE_REQUIRED',
      'This server speaks WebSocket version 13 (Sec-WebSocket-Version: 13)',
      { header: 'Sec-WebSocket-Version' },
      { 'Sec-WebSocket-Version': '13, 8' },
    );
  return undefined;
}

/** Answers a refused upgrade with a plain HTTP response in the standard envelope, then closes the socket. */
function refuseUpgrade(socket: Duplex, error: ApiError, requestId: string): void {
  const body = JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      request_id: requestId,
      timestamp: new Date().toISOString(),
    },
  });
  const head = [
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...Object.entries(error.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (!socket.writable) return void socket.destroy();
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
