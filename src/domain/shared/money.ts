/** Money is computed in integer cents and shown with two decimals. */
export type Cents = number;

export function toCents(amount: number): Cents {
  return Math.round(amount * 100);
}

export function fromCents(cents: Cents): number {
  return Math.round(cents) / 100;
}
