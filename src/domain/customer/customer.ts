import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import {
  evolveRefreshTokens,
  invalidRefreshToken,
  issueRefreshToken,
  rotateRefreshToken,
} from '../shared/refresh-tokens';
import { normalizeEmail } from './email';
import type {
  CustomerCommand,
  CustomerContext,
  CustomerEvent,
  CustomerState,
  PaymentMethodState,
} from './events';
import { MAX_PAYMENT_METHODS } from './events';

/**
 * Accounts. Two aggregates: the customer (`customer-{userId}`, its commands, events and state in events.ts,
 * its rules here) and the email claim (`email-{sha256(email)}`, email.ts).
 */

export * from './events';
export * from './email';

const invalidPaymentMethod = (message: string): never => fail('INVALID_PAYMENT_METHOD', message);

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState, CustomerContext> = {
  initialState: () => ({ exists: false }),

  decide(command, state, { now }) {
    switch (command.type) {
      case 'RegisterCustomer': {
        if (state.exists)
          fail('CUSTOMER_EXISTS', `Account ${command.userId} already exists`, { user_id: command.userId });
        return [
          {
            type: 'CustomerRegistered',
            data: {
              userId: command.userId,
              email: normalizeEmail(command.email),
              name: command.name,
              passwordHash: command.passwordHash,
              role: command.role,
              registeredAt: now.toISOString(),
            },
          },
        ];
      }
      case 'IssueRefreshToken': {
        if (!state.exists) return invalidRefreshToken();
        return issueRefreshToken(state.refreshTokens, command, now);
      }
      case 'RotateRefreshToken': {
        if (!state.exists) return invalidRefreshToken();
        return rotateRefreshToken(state.refreshTokens, command, now);
      }
      case 'AddPaymentMethod': {
        if (!state.exists) return fail('NOT_FOUND', 'Account not found');
        if (state.paymentMethods.has(command.paymentMethodId))
          fail('VALIDATION_ERROR', 'This payment method id is already in use');
        if (state.paymentMethods.size >= MAX_PAYMENT_METHODS)
          fail(
            'VALIDATION_ERROR',
            `An account can keep at most ${MAX_PAYMENT_METHODS} payment methods; remove one first`,
            {
              max_payment_methods: MAX_PAYMENT_METHODS,
            },
          );
        if (!/^tok_[A-Za-z0-9_]{1,100}$/.test(command.cardToken))
          invalidPaymentMethod('The card token is not a payment token');
        if (!/^\d{4}$/.test(command.last4)) invalidPaymentMethod("The card's last four digits are malformed");
        if (
          !Number.isInteger(command.expMonth) ||
          command.expMonth < 1 ||
          command.expMonth > 12 ||
          !Number.isInteger(command.expYear)
        )
          invalidPaymentMethod("The card's expiry date is malformed");
        // A card is valid through the last day of its expiry month.
        if (Date.UTC(command.expYear, command.expMonth, 1) <= now.getTime())
          invalidPaymentMethod('The card has expired');
        const previousDefault = defaultPaymentMethod(state.paymentMethods);
        const isDefault = command.makeDefault || previousDefault === undefined;
        return [
          {
            type: 'PaymentMethodAdded',
            data: {
              paymentMethodId: command.paymentMethodId,
              type: 'CARD',
              cardToken: command.cardToken,
              brand: command.brand,
              last4: command.last4,
              expMonth: command.expMonth,
              expYear: command.expYear,
              ...(command.billingAddress ? { billingAddress: { ...command.billingAddress } } : {}),
              isDefault,
              previousDefaultId: isDefault ? (previousDefault?.paymentMethodId ?? null) : null,
              addedAt: now.toISOString(),
            },
          },
        ];
      }
      case 'RemovePaymentMethod': {
        const method = state.exists ? state.paymentMethods.get(command.paymentMethodId) : undefined;
        if (!state.exists || !method) return fail('PAYMENT_METHOD_NOT_FOUND', 'Payment method not found');
        let newDefaultId: string | null = null;
        if (method.isDefault) {
          for (const other of state.paymentMethods.values())
            if (other.paymentMethodId !== method.paymentMethodId) newDefaultId = other.paymentMethodId;
        }
        return [
          {
            type: 'PaymentMethodRemoved',
            data: { paymentMethodId: command.paymentMethodId, newDefaultId, removedAt: now.toISOString() },
          },
        ];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CustomerRegistered': {
        const { userId, email, name, role, passwordHash } = event.data;
        return {
          exists: true,
          userId,
          email,
          name,
          role,
          passwordHash,
          refreshTokens: new Map(),
          paymentMethods: new Map(),
        };
      }
      case 'RefreshTokenIssued':
      case 'RefreshTokenRotated':
      case 'RefreshTokenFamilyRevoked': {
        if (!state.exists) return state;
        evolveRefreshTokens(state.refreshTokens, event);
        return state;
      }
      case 'PaymentMethodAdded': {
        if (!state.exists) return state;
        const { previousDefaultId: _previous, ...method } = event.data;
        if (method.isDefault) for (const other of state.paymentMethods.values()) other.isDefault = false;
        state.paymentMethods.set(method.paymentMethodId, method);
        return state;
      }
      case 'PaymentMethodRemoved': {
        if (!state.exists) return state;
        state.paymentMethods.delete(event.data.paymentMethodId);
        const next = event.data.newDefaultId ? state.paymentMethods.get(event.data.newDefaultId) : undefined;
        if (next) {
          for (const other of state.paymentMethods.values()) other.isDefault = false;
          next.isDefault = true;
        }
        return state;
      }
    }
  },
};

function defaultPaymentMethod(methods: Map<string, PaymentMethodState>): PaymentMethodState | undefined {
  for (const method of methods.values()) if (method.isDefault) return method;
  return undefined;
}
