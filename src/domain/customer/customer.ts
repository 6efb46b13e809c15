import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import { normalizeEmail } from './email';
import type {
  CustomerCommand,
  CustomerContext,
  CustomerEvent,
  CustomerState,
  PaymentMethodState,
  RefreshTokenState,
} from './events';
import { MAX_PAYMENT_METHODS } from './events';

/**
 * Accounts. Two aggregates: the customer (`customer-{userId}`, its commands, events and state in events.ts,
 * its rules here) and the email claim (`email-{sha256(email)}`, email.ts).
 */

export * from './events';
export * from './email';

const invalidGrant = (): never =>
  fail('INVALID_GRANT', 'The refresh token is invalid, expired or already used');

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
        if (!state.exists) return invalidGrant();
        checkNewRefreshToken(state.refreshTokens, command.tokenId, command.expiresAt, now);
        return [
          {
            type: 'RefreshTokenIssued',
            data: {
              tokenId: command.tokenId,
              tokenHash: command.tokenHash,
              expiresAt: command.expiresAt,
              issuedAt: now.toISOString(),
              familyId: command.tokenId,
            },
          },
        ];
      }
      case 'RotateRefreshToken': {
        if (!state.exists) return invalidGrant();
        const old = state.refreshTokens.get(command.oldTokenId);
        if (
          !old ||
          !constantTimeEquals(old.tokenHash, command.oldTokenHash) ||
          old.expiresAt <= now.getTime()
        )
          return invalidGrant();
        if (old.used) {
          // Reuse of a rotated token: revoke the family (recorded), and the caller answers INVALID_GRANT.
          const revokedTokenIds = [...state.refreshTokens]
            .filter(([, token]) => token.familyId === old.familyId)
            .map(([id]) => id);
          return [
            {
              type: 'RefreshTokenFamilyRevoked',
              data: {
                familyId: old.familyId,
                reusedTokenId: command.oldTokenId,
                revokedTokenIds,
                reason: 'reuse',
                revokedAt: now.toISOString(),
              },
            },
          ];
        }
        checkNewRefreshToken(state.refreshTokens, command.newTokenId, command.expiresAt, now);
        return [
          {
            type: 'RefreshTokenRotated',
            data: {
              oldTokenId: command.oldTokenId,
              newTokenId: command.newTokenId,
              newTokenHash: command.newTokenHash,
              expiresAt: command.expiresAt,
              rotatedAt: now.toISOString(),
              familyId: old.familyId,
            },
          },
        ];
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
      case 'RefreshTokenIssued': {
        if (!state.exists) return state;
        const now = Date.parse(event.data.issuedAt);
        dropExpired(state.refreshTokens, now);
        state.refreshTokens.set(event.data.tokenId, {
          tokenHash: event.data.tokenHash,
          expiresAt: Date.parse(event.data.expiresAt),
          used: false,
          familyId: event.data.familyId ?? event.data.tokenId,
        });
        return state;
      }
      case 'RefreshTokenRotated': {
        if (!state.exists) return state;
        const now = Date.parse(event.data.rotatedAt);
        dropExpired(state.refreshTokens, now);
        const old = state.refreshTokens.get(event.data.oldTokenId);
        if (old) old.used = true;
        state.refreshTokens.set(event.data.newTokenId, {
          tokenHash: event.data.newTokenHash,
          expiresAt: Date.parse(event.data.expiresAt),
          used: false,
          familyId: event.data.familyId ?? old?.familyId ?? event.data.oldTokenId,
        });
        return state;
      }
      case 'RefreshTokenFamilyRevoked': {
        if (!state.exists) return state;
        // Forgotten entirely: any token of the family is then unknown, hence INVALID_GRANT, without new events.
        for (const [id, token] of state.refreshTokens)
          if (token.familyId === event.data.familyId) state.refreshTokens.delete(id);
        for (const id of event.data.revokedTokenIds) state.refreshTokens.delete(id);
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

/** A token issued by sign-in or by rotation: a fresh id, and an expiry in the future. */
function checkNewRefreshToken(
  tokens: Map<string, RefreshTokenState>,
  tokenId: string,
  expiresAt: string,
  now: Date,
): void {
  if (tokens.has(tokenId)) fail('VALIDATION_ERROR', 'This refresh token id is already in use');
  if (!(Date.parse(expiresAt) > now.getTime()))
    fail('VALIDATION_ERROR', 'A refresh token must expire in the future');
}

function defaultPaymentMethod(methods: Map<string, PaymentMethodState>): PaymentMethodState | undefined {
  for (const method of methods.values()) if (method.isDefault) return method;
  return undefined;
}

/** Expired tokens can never be used again: forgetting them keeps the state as small as the live tokens. */
function dropExpired(tokens: Map<string, RefreshTokenState>, now: number): void {
  for (const [id, token] of tokens) if (token.expiresAt <= now) tokens.delete(id);
}

/** Compares two strings without stopping at the first difference (the domain stays free of I/O modules). */
function constantTimeEquals(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i += 1)
    diff |= (a.charCodeAt(i % (a.length || 1)) | 0) ^ (b.charCodeAt(i % (b.length || 1)) | 0);
  return diff === 0;
}
