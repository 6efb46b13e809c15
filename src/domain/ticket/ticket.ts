import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import type { TicketCommand, TicketContext, TicketEvent, TicketState, TransferState } from './events';

/** The ticket's rules (one stream per ticket; its commands, events and state are in events.ts). */

export * from './events';
export * from './barcode';

// ---- decider -----------------------------------------------------------------------------------------

const notFound = (): never => fail('TICKET_NOT_FOUND', 'Ticket not found');
const transferNotFound = (): never => fail('TRANSFER_NOT_FOUND', 'Transfer not found');
const notTransferable = (why: string): never =>
  fail('TICKET_NOT_TRANSFERABLE', `This ticket cannot be transferred: ${why}`);

/** The transfer still waiting for its recipient (expired ones do not count). */
export function pendingTransfer(state: TicketState, now: Date): TransferState | undefined {
  if (!state.exists) return undefined;
  for (const transfer of state.transfers.values()) {
    if (transfer.status === 'PENDING' && transfer.expiresAt > now.getTime()) return transfer;
  }
  return undefined;
}

/** Why this ticket cannot be transferred right now, or undefined when it can. */
export function transferBlocker(state: TicketState, now: Date): string | undefined {
  if (!state.exists) return 'no such ticket';
  if (state.status === 'VOID') return 'it was voided';
  if (state.status === 'TRANSFERRED') return 'it was already transferred';
  if (now.getTime() >= Date.parse(state.eventDate)) return 'the event has already started';
  if (pendingTransfer(state, now)) return 'a transfer is already pending';
  return undefined;
}

export const ticketDecider: Decider<TicketCommand, TicketEvent, TicketState, TicketContext> = {
  initialState: () => ({ exists: false }),

  decide(command, state, { now }) {
    switch (command.type) {
      case 'IssueTicket': {
        // Sagas deliver at least once: issuing an issued ticket records nothing.
        if (state.exists) return [];
        return [
          {
            type: 'TicketIssued',
            data: {
              ticketId: command.ticketId,
              orderId: command.orderId,
              eventId: command.eventId,
              ownerUserId: command.ownerUserId,
              ownerEmail: command.ownerEmail ?? null,
              seatId: command.seatId,
              section: command.section,
              row: command.row,
              seat: command.seat,
              barcode: command.barcode,
              eventName: command.eventName,
              eventDate: command.eventDate,
              venueName: command.venueName,
              previousTicketId: command.previousTicketId ?? null,
              issuedAt: now.toISOString(),
            },
          },
        ];
      }

      case 'RequestTransfer': {
        if (!state.exists) return notFound();
        if (command.fromUserId !== state.ownerUserId)
          fail('FORBIDDEN', 'Only the ticket holder can transfer it');
        const existing = state.transfers.get(command.transferId);
        if (existing) {
          // The same request again (a retry): nothing new to record.
          if (existing.status === 'PENDING' && existing.recipientEmail === command.recipientEmail) return [];
          fail('VALIDATION_ERROR', 'This transfer id is already in use');
        }
        if (command.notAfter !== undefined && !(now.getTime() <= Date.parse(command.notAfter)))
          return notTransferable('the request took too long; try again');
        const blocker = transferBlocker(state, now);
        if (blocker) return notTransferable(blocker);
        if (state.ownerEmail !== null && command.recipientEmail === state.ownerEmail) {
          return notTransferable('you already hold it');
        }
        const requested = Date.parse(command.expiresAt);
        if (!(requested > now.getTime())) fail('VALIDATION_ERROR', 'A transfer must expire in the future');
        const expiresAt = new Date(Math.min(requested, Date.parse(state.eventDate))).toISOString();
        return [
          {
            type: 'TransferRequested',
            data: {
              ticketId: state.ticketId,
              transferId: command.transferId,
              fromUserId: command.fromUserId,
              recipientEmail: command.recipientEmail,
              recipientName: command.recipientName,
              expiresAt,
              requestedAt: now.toISOString(),
            },
          },
        ];
      }

      case 'AcceptTransfer': {
        if (!state.exists) return transferNotFound();
        const transfer = state.transfers.get(command.transferId);
        // Addressed to someone else: answered like a missing transfer, so ids are not an oracle.
        if (!transfer || transfer.recipientEmail !== command.recipientEmail) return transferNotFound();
        if (transfer.status === 'ACCEPTED') {
          // A retry by the same recipient (the new ticket may still need issuing): nothing new to record.
          if (
            transfer.recipientUserId === command.recipientUserId &&
            transfer.newTicketId === command.newTicketId
          )
            return [];
          return transferNotFound();
        }
        if (transfer.status === 'CANCELLED') return transferNotFound();
        if (now.getTime() >= transfer.expiresAt)
          fail('TRANSFER_EXPIRED', 'This transfer has expired', { transfer_id: command.transferId });
        if (state.status !== 'ACTIVE')
          return notTransferable(state.status === 'VOID' ? 'it was voided' : 'it was already transferred');
        if (now.getTime() >= Date.parse(state.eventDate))
          return notTransferable('the event has already started');
        if (command.recipientUserId === state.ownerUserId) return notTransferable('you already hold it');
        return [
          {
            type: 'TicketTransferred',
            data: {
              ticketId: state.ticketId,
              transferId: command.transferId,
              fromUserId: transfer.fromUserId,
              recipientUserId: command.recipientUserId,
              recipientEmail: command.recipientEmail,
              newTicketId: command.newTicketId,
              newBarcode: command.newBarcode,
              transferredAt: now.toISOString(),
            },
          },
        ];
      }

      case 'CancelTransfer': {
        if (!state.exists) return transferNotFound();
        const transfer = state.transfers.get(command.transferId);
        if (!transfer || transfer.fromUserId !== command.byUserId) return transferNotFound();
        if (transfer.status === 'CANCELLED') return [];
        if (transfer.status === 'ACCEPTED') return notTransferable('this transfer was already accepted');
        return [
          {
            type: 'TransferCancelled',
            data: {
              ticketId: state.ticketId,
              transferId: command.transferId,
              byUserId: command.byUserId,
              reason: 'cancelled',
              cancelledAt: now.toISOString(),
            },
          },
        ];
      }

      case 'VoidTicket': {
        if (!state.exists) return notFound();
        // Voided already, or transferred (its barcode is dead; the successor is voided on its own stream).
        if (state.status !== 'ACTIVE') return [];
        const at = now.toISOString();
        const events: TicketEvent[] = [];
        for (const transfer of state.transfers.values()) {
          if (transfer.status !== 'PENDING') continue;
          events.push({
            type: 'TransferCancelled',
            data: {
              ticketId: state.ticketId,
              transferId: transfer.transferId,
              byUserId: 'system',
              reason: 'ticket_voided',
              cancelledAt: at,
            },
          });
        }
        events.push({
          type: 'TicketVoided',
          data: { ticketId: state.ticketId, orderId: state.orderId, reason: command.reason, voidedAt: at },
        });
        return events;
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TicketIssued': {
        if (state.exists) return state;
        const { issuedAt: _issuedAt, ...details } = event.data;
        return { ...details, exists: true, status: 'ACTIVE', transfers: new Map(), successorTicketId: null };
      }
      case 'TransferRequested': {
        if (!state.exists) return state;
        const d = event.data;
        state.transfers.set(d.transferId, {
          transferId: d.transferId,
          fromUserId: d.fromUserId,
          recipientEmail: d.recipientEmail,
          recipientName: d.recipientName,
          expiresAt: Date.parse(d.expiresAt),
          status: 'PENDING',
        });
        return state;
      }
      case 'TicketTransferred': {
        if (!state.exists) return state;
        const transfer = state.transfers.get(event.data.transferId);
        if (transfer) {
          transfer.status = 'ACCEPTED';
          transfer.recipientUserId = event.data.recipientUserId;
          transfer.newTicketId = event.data.newTicketId;
        }
        state.status = 'TRANSFERRED';
        state.successorTicketId = event.data.newTicketId;
        return state;
      }
      case 'TransferCancelled': {
        if (!state.exists) return state;
        const transfer = state.transfers.get(event.data.transferId);
        if (transfer) transfer.status = 'CANCELLED';
        return state;
      }
      case 'TicketVoided': {
        if (!state.exists) return state;
        state.status = 'VOID';
        return state;
      }
    }
  },
};
