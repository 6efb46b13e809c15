/**
 * The HTTP ceiling: a bare express 5 app with the same JSON body parser, answering a POST with a JSON body
 * of the size the reserve endpoint returns. Run as its own process, like the real server.
 */
import express from 'express';
import { installCpuProbe } from './cpu-probe';

installCpuProbe();

const size = Number(process.env.CEILING_BODY_BYTES ?? 220);
const port = Number(process.env.PORT ?? 0);
const app = express();
app.use(express.json());
const body = {
  reservation_id: '01900000-0000-7000-8000-000000000000',
  padding: 'x'.repeat(Math.max(0, size - 70)),
};
app.post('/v1/seats/reserve', (_req, res) => {
  res.status(201).json(body);
});
const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on ${typeof address === 'object' && address ? address.port : port}`);
});
// As the API server (src/composition.ts): connections stay open between the bench's windows.
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
