import { Worker } from 'node:worker_threads';
import type { OpenAPIObject } from 'openapi3-ts/oas30';
import { contractChecker } from './contract';
import type { ApiResponse } from './http';

export interface BurstRequest {
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Fires all the requests at once from another thread, so they reach a server running in this process together,
 * as a burst from many clients would (requests made from the test's own event loop arrive one at a time, since
 * the server and the client take turns on one thread). Every answer is checked against the server's
 * /openapi.json, as tests/support/http.ts checks its calls.
 */
export async function burst(baseUrl: string, requests: BurstRequest[]): Promise<ApiResponse[]> {
  const raw = await new Promise<Array<{ status: number; text: string; headers: Array<[string, string]> }>>(
    (resolve, reject) => {
      const worker = new Worker(
        `
        const { parentPort, workerData } = require('node:worker_threads');
        (async () => {
          const { baseUrl, requests } = workerData;
          const answers = await Promise.all(requests.map(async (r) => {
            const headers = { ...(r.headers || {}) };
            if (r.token) headers.authorization = 'Bearer ' + r.token;
            if (r.body !== undefined) headers['content-type'] = 'application/json';
            const res = await fetch(baseUrl + r.path, {
              method: r.method,
              headers,
              body: r.body === undefined ? undefined : JSON.stringify(r.body),
            });
            return { status: res.status, text: await res.text(), headers: [...res.headers] };
          }));
          parentPort.postMessage(answers);
        })().catch((error) => { throw error; });
        `,
        { eval: true, workerData: { baseUrl, requests } },
      );
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`burst worker exited with ${code}`));
      });
    },
  );
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as OpenAPIObject;
  const checker = contractChecker(doc);
  return raw.map((answer, i) => {
    const response: ApiResponse = {
      status: answer.status,
      body: answer.text ? JSON.parse(answer.text) : undefined,
      headers: new Headers(answer.headers),
      text: answer.text,
    };
    const problems = checker.problems(requests[i].method, requests[i].path, response);
    if (problems.length > 0)
      throw new Error(`The answer is not what /openapi.json documents:\n${problems.join('\n')}`);
    return response;
  });
}
