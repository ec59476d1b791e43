import type { Role } from '../domain/access.js';

/**
 * A token as stored: never its secret, only the SHA-256 of it. Records are keyed by the hash,
 * so authenticating a request is one lookup by key (an `_id` equality on MongoDB/FerretDB).
 */
export interface TokenRecord {
  /** SHA-256 (hex) of the secret. */
  readonly hash: string;
  /** The public id: the actor on events is `token:<id>`. */
  readonly id: string;
  readonly role: Role;
  readonly missionId?: string;
  readonly campaignIds?: readonly string[];
  /** ISO instant after which the token no longer authenticates. */
  readonly expiresAt?: string;
  readonly label?: string;
  readonly issuedAt: string;
  /** The actor who issued it (`token:<id>`, or `system:first-start`). */
  readonly issuedBy: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

/** Where the profile keeps token records (SQLite on embedded, MongoDB on distributed). */
export interface TokenStore {
  insert(record: TokenRecord): Promise<void>;
  byHash(hash: string): Promise<TokenRecord | undefined>;
  byId(id: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenRecord[]>;
  /** Marks a token revoked (keeps the first revocation if it is already revoked). */
  revoke(id: string, at: string, by: string): Promise<TokenRecord | undefined>;
  /** Adds a campaign to a coordinator token's scope (once, however often asked). */
  grantCampaign(id: string, campaignId: string): Promise<TokenRecord | undefined>;
}

export const TOKEN_STORE = Symbol('TokenStore');
