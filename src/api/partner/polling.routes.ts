import { isPollId } from '../../application/partner/polled-commands';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import { notFound } from '../http/api-error';
import { pathParam } from '../http/request-context';
import type { PartnerPolling } from './polling';
import { POLL_ROUTE } from './partner-access';

/**
 * `GET /polling/:id` (mount at the partner API's root, as `polling.basePath` says): the answer of a polled cart
 * call. Documented with every answer of the operations declared through `polling.op` (filled in as they
 * register; the document is assembled after every router is mounted).
 */
export function partnerPollingRoutes({ polling }: { polling: PartnerPolling }): ApiRouter {
  // No router-wide auth: the partner router's gate authenticates each operation (mounted at the partner API's root,
  // a router-wide one would answer 401 for every path under it, unknown ones included).
  const router = apiRouter({ tag: 'partner-polling', noStore: true });
  const { documented } = polling;
  op(
    router,
    {
      method: 'get',
      path: POLL_ROUTE,
      operationId: 'partnerPolledResult',
      summary: 'The answer of a polled cart call: 202 until it is ready, then its own status and body',
      description:
        'Only the client that made the call can read its answer. Answers are kept for 15 minutes in memory and ' +
        'longer in the idempotency store; polling again returns the same answer, the command never runs twice. ' +
        "Polls count against the client's quota, but are answered past it (the answer of a call the quota " +
        'already let through is never withheld): poll after `wait` seconds.',
      params: { id: 'PollId' },
      answersCommands: true,
      // Filled by polling.op as cart operations register: the same objects, read when the document is built.
      responses: documented.responses,
      errors: documented.errors,
      get contended() {
        return documented.contended;
      },
    },
    async (req, res) => {
      const pollId = pathParam(req, 'id');
      if (!isPollId(pollId)) throw notFound('Polling id', 'POLL_NOT_FOUND');
      await polling.answer(req, res, pollId);
    },
  );
  return router;
}
