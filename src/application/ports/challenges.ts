/** A proof-of-work challenge in the classic ALTCHA format (what the ALTCHA widget solves). */
export interface ProofOfWorkChallenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber: number;
}

/**
 * Proof-of-work challenges against bots: each is signed, bound to a scope (e.g. one event's waiting room) and
 * expires. Whether a solution was already used is not decided here: the caller records `challengeId` where the
 * decision is made (the waiting room's stream), so reuse is refused consistently.
 */
export interface Challenges {
  create(scope: string, maxNumber: number): Promise<ProofOfWorkChallenge>;
  /**
   * Checks a solution (the base64 JSON payload `{algorithm, challenge, number, salt, signature}`): its signature,
   * its work, its scope and its expiry. Answers a stable id of the challenge when valid, else undefined.
   */
  verify(payload: string, scope: string): Promise<{ challengeId: string } | undefined>;
}

export const CHALLENGES = Symbol.for('Challenges');
