/** Hashes passwords for storage and checks a password against a stored hash. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False (never an error) for a wrong password or a stored value it cannot read. */
  verify(password: string, stored: string): Promise<boolean>;
}

export const PASSWORD_HASHER = Symbol.for('PasswordHasher');
