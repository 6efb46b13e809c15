import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { fixedHeaders } from '../../src/api/http/fixed-headers';
import { inOrder } from '../../src/api/http/in-order';
import { sendJson } from '../../src/api/http/json-answer';

/**
 * Issue 14: per-request work done once (helmet's headers recorded at start-up) and JSON answers written without
 * express's per-answer extras. What a client receives must not change (beyond the ETag of answers that cannot use
 * one).
 */

async function serve(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Status, headers in order (without the date), and body bytes. */
async function answer(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const headers = [...res.headers.entries()].filter(([name]) => name !== 'date');
  return { status: res.status, headers, body: await res.text() };
}

describe('fixedHeaders', () => {
  it("writes exactly helmet's headers, in helmet's order", async () => {
    const app = express();
    app.get('/helmet', helmet({ contentSecurityPolicy: false }), (_req, res) => void res.send('ok'));
    app.get(
      '/fixed',
      fixedHeaders(helmet({ contentSecurityPolicy: false })),
      (_req, res) => void res.send('ok'),
    );
    const server = await serve(app);
    try {
      const viaHelmet = await answer(`${server.url}/helmet`);
      const viaFixed = await answer(`${server.url}/fixed`);
      expect(viaFixed).toEqual(viaHelmet);
      expect(viaFixed.headers.map(([name]) => name)).toContain('strict-transport-security');
    } finally {
      await server.close();
    }
  });

  it('keeps a middleware that does more than write fixed headers as it is', () => {
    const readsRequest: RequestHandler = (req, res, next) => {
      res.setHeader('X-Path', req.path);
      next();
    };
    const answersLater: RequestHandler = (_req, res, next) => {
      res.setHeader('X-A', '1');
      setImmediate(next);
    };
    const fails: RequestHandler = (_req, _res, next) => next(new Error('no'));
    let n = 0;
    const changes: RequestHandler = (_req, res, next) => {
      res.setHeader('X-Count', String((n += 1)));
      next();
    };
    for (const middleware of [readsRequest, answersLater, fails, changes])
      expect(fixedHeaders(middleware)).toBe(middleware);
  });
});

describe('sendJson', () => {
  const body = {
    error: { code: 'SEATS_UNAVAILABLE', message: 'Seats gone: é 😀', details: { ids: [1, 2] } },
  };

  async function both(method: string, status: number, wrap = false) {
    const app = express();
    const recorded: unknown[] = [];
    if (wrap)
      app.use((_req, res, next) => {
        const json = res.json.bind(res);
        res.json = (value: unknown) => {
          recorded.push(value);
          return json(value);
        };
        next();
      });
    app.all('/express', (_req, res) => void res.status(status).json(body));
    app.all('/direct', (_req, res) => sendJson(res, status, body));
    const server = await serve(app);
    try {
      return {
        viaExpress: await answer(`${server.url}/express`, { method }),
        direct: await answer(`${server.url}/direct`, { method }),
        recorded,
      };
    } finally {
      await server.close();
    }
  }

  it.each([
    ['POST', 409],
    ['POST', 201],
    ['GET', 404],
    ['DELETE', 400],
    ['HEAD', 404],
  ])(
    'answers %s %s with the same status, headers and bytes as express, without the ETag',
    async (method, status) => {
      const { viaExpress, direct } = await both(method, status);
      const withoutEtag = viaExpress.headers.filter(([name]) => name !== 'etag');
      expect(viaExpress.headers.length).toBe(withoutEtag.length + 1);
      expect(direct).toEqual({ ...viaExpress, headers: withoutEtag });
    },
  );

  it('leaves a successful GET to express (its ETag answers If-None-Match)', async () => {
    const { viaExpress, direct } = await both('GET', 200);
    expect(direct).toEqual(viaExpress);
    expect(direct.headers.map(([name]) => name)).toContain('etag');
  });

  it('goes through res.json where a middleware wrapped it (Idempotency-Key records the answer)', async () => {
    const { viaExpress, direct, recorded } = await both('POST', 201, true);
    expect(direct).toEqual(viaExpress);
    expect(recorded).toEqual([body, body]);
  });
});

describe('inOrder', () => {
  /** Middleware that write what they saw, and how they go on: at once, later, with an error, by throwing. */
  const trace =
    (name: string, then: 'next' | 'later' | 'error' | 'throw' | 'reject' | 'answer'): RequestHandler =>
    (req, res, next) => {
      res.append('X-Trace', name);
      if (then === 'next') return next();
      if (then === 'later') return void setImmediate(next);
      if (then === 'error') return next(new Error(`${name} failed`));
      if (then === 'throw') throw new Error(`${name} threw`);
      if (then === 'answer') return void res.status(200).send(`${name} answered ${req.path}`);
      return Promise.reject(new Error(`${name} rejected`));
    };
  const endings: Array<Parameters<typeof trace>[1]> = ['next', 'later', 'error', 'throw', 'reject', 'answer'];

  it.each(endings.flatMap((a) => endings.map((b) => [a, b] as const)))(
    'answers as separate layers do when the first goes on by %s and the second by %s',
    async (first, second) => {
      const chain = [trace('a', first), trace('b', second), trace('c', 'next')];
      const build = (combined: boolean) => {
        const app = express();
        if (combined) app.use(inOrder(chain));
        else chain.forEach((handler) => app.use(handler));
        app.get('/x', (_req, res) => void res.send('handler'));
        app.use(
          ((error, _req, res, _next) =>
            void res.status(500).send(String(error))) as express.ErrorRequestHandler,
        );
        return app;
      };
      const layered = await serve(build(false));
      const combined = await serve(build(true));
      try {
        expect(await answer(`${combined.url}/x`)).toEqual(await answer(`${layered.url}/x`));
      } finally {
        await layered.close();
        await combined.close();
      }
    },
  );
});
