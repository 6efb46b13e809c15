/* eslint-disable @typescript-eslint/no-explicit-any -- frames are whatever the server sent */
import type { ValidateFunction } from 'ajv';
import type { OpenAPIObject, ReferenceObject } from 'openapi3-ts/oas30';
import WebSocket, { type ClientOptions } from 'ws';
import { closeObjects, documentAjv, rebase } from './contract';

/**
 * A WebSocket client for GET /v1/realtime in tests. Every frame it receives is checked against the message schemas
 * the server documents (`x-websocket-messages` of the operation in /openapi.json, with undeclared fields refused):
 * a frame the document does not describe is a problem, and `problems` must stay empty.
 */
export interface RealtimeClient {
  ws: WebSocket;
  /** Every frame received so far, parsed. */
  frames: any[];
  problems: string[];
  send(message: unknown): void;
  /**
   * The first frame after the previous `next` match (or the start) that satisfies `match`, waiting for it if needed.
   * Frames passed over stay in `frames`.
   */
  next(match: (frame: any) => boolean): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

type Validators = Map<string, ValidateFunction>;
const validatorsByDocument = new WeakMap<OpenAPIObject, Validators>();

/** One validator per server message type, from the document's `x-websocket-messages.server` schemas. */
function messageValidators(doc: OpenAPIObject): Validators {
  let validators = validatorsByDocument.get(doc);
  if (validators) return validators;
  const operation = (doc.paths['/v1/realtime'] as any)?.get;
  const refs = (operation?.['x-websocket-messages']?.server ?? []) as ReferenceObject[];
  if (refs.length === 0) throw new Error('/openapi.json documents no realtime server messages');
  const ajv = documentAjv({ allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: closeObjects(doc.components) } as object);
  validators = new Map();
  for (const ref of refs) {
    const name = ref.$ref.split('/').pop()!;
    const type = (doc.components?.schemas?.[name] as any)?.properties?.type?.enum?.[0] as string;
    validators.set(type, ajv.compile(rebase(closeObjects(ref)) as object));
  }
  validatorsByDocument.set(doc, validators);
  return validators;
}

export function realtimeUrl(baseUrl: string, token?: string, path = '/v1/realtime'): string {
  const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}

/**
 * Opens a connection and resolves once it is open; rejects with the answer if the upgrade is refused. `query`: more
 * query parameters besides the token (`api_key`).
 */
export async function openRealtime(
  baseUrl: string,
  doc: OpenAPIObject,
  token: string,
  { query, ...options }: ClientOptions & { query?: Record<string, string> } = {},
): Promise<RealtimeClient> {
  const validators = messageValidators(doc);
  const url = new URL(realtimeUrl(baseUrl, token));
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  const ws = new WebSocket(url.toString(), options);
  const frames: any[] = [];
  const problems: string[] = [];
  let cursor = 0;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  ws.on('message', (data, isBinary) => {
    let frame: any;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      frame = { unparsable: data.toString().slice(0, 200) };
    }
    if (isBinary) problems.push(`a binary frame: ${data.toString().slice(0, 100)}`);
    const validate = validators.get(frame?.type);
    if (!validate) problems.push(`an undocumented message type: ${JSON.stringify(frame).slice(0, 200)}`);
    else if (!validate(frame))
      problems.push(
        `${JSON.stringify(frame).slice(0, 200)}: ${JSON.stringify(validate.errors).slice(0, 300)}`,
      );
    frames.push(frame);
    wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      wake();
      resolve({ code, reason: reason.toString() });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.on('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        reject(new Error(`upgrade refused: ${res.statusCode} ${body}`));
        ws.terminate();
      });
    });
  });

  return {
    ws,
    frames,
    problems,
    closed,
    send(message) {
      ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    },
    async next(match) {
      for (;;) {
        const index = frames.findIndex((frame, i) => i >= cursor && match(frame));
        if (index >= 0) {
          cursor = index + 1;
          return frames[index];
        }
        if (ws.readyState === WebSocket.CLOSED)
          throw new Error(
            `closed while waiting; frames: ${JSON.stringify(frames.slice(cursor)).slice(0, 500)}`,
          );
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
}

/** The HTTP answer to an upgrade the server refuses: status, headers and parsed body. */
export async function refusedUpgrade(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const ws = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`the upgrade to ${url} was accepted`));
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (typeof value === 'string') headers.set(name, value);
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers });
        ws.terminate(); // reports an error, ignored: the answer is in
      });
    });
    ws.on('error', reject);
  });
}
