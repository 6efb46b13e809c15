/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the API sent */
import type { OpenAPIObject } from 'openapi3-ts/oas30';
import { contractChecker, type ContractChecker } from './contract';

/**
 * A small JSON client over fetch for API tests. Every answer is checked against the OpenAPI document the server
 * serves at /openapi.json (status documented for the operation, error code listed, body valid): a call whose
 * answer the document does not describe throws. Servers without /openapi.json (bare routers) are not checked.
 */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (no JSON encoding), for malformed-input tests; bytes for invalid UTF-8. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Skips the document check for this call; say why (for answers the document cannot describe on purpose). */
  uncheckedBecause?: string;
}

/** One compiled checker per distinct document (every app of a test process serves the same one). */
const checkers = new Map<string, ContractChecker>();
/** What each server serves: a checker, or null when it serves no document. */
const byServer = new Map<string, Promise<ContractChecker | null>>();

function checkerFor(baseUrl: string): Promise<ContractChecker | null> {
  let pending = byServer.get(baseUrl);
  if (!pending) {
    pending = (async () => {
      const res = await fetch(`${baseUrl}/openapi.json`);
      const text = await res.text();
      if (res.status !== 200) return null;
      let checker = checkers.get(text);
      if (!checker) checkers.set(text, (checker = contractChecker(JSON.parse(text) as OpenAPIObject)));
      return checker;
    })();
    byServer.set(baseUrl, pending);
  }
  return pending;
}

export function apiClient(baseUrl: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    // Redirects are not followed: the answer checked is the one the server sent (its status, Location, body).
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const answer = { status: res.status, body: parsed as T, headers: res.headers, text };
    if (options.uncheckedBecause === undefined) {
      const checker = await checkerFor(baseUrl);
      const problems = checker?.problems(method, path, answer) ?? [];
      if (problems.length > 0)
        throw new Error(`The answer is not what /openapi.json documents:\n${problems.join('\n')}`);
    }
    return answer;
  };
}

export type ApiCall = ReturnType<typeof apiClient>;
