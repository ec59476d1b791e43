import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../kernel/index.js';
import type { Principal, Role } from '../domain/access.js';
import type { TokenRecord, TokenStore } from './token-store.port.js';

/** The id of the principal that DEMARCHE_ADMIN_TOKEN authenticates as. */
export const ENV_ADMIN_ID = 'admin-env';

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked'; readonly detail: string };

export interface IssueRequest {
  readonly role: Role;
  readonly missionId?: string;
  readonly campaignIds?: readonly string[];
  readonly expiresAt?: string;
  readonly label?: string;
}

/** A token record as the API shows it: everything but the hash. */
export type TokenView = Omit<TokenRecord, 'hash'>;

export const hashToken = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
export const viewOf = ({ hash: _hash, ...view }: TokenRecord): TokenView => view;

/** 256 random bits, URL-safe, with a prefix that says what it is (and lets secret scanners find it). */
function newSecret(): string {
  return `dmr_${randomBytes(32).toString('base64url')}`;
}

/** What another context does once a token is revoked (notifications forget its person). */
export type RevocationListener = (tokenId: string) => Promise<void>;

export interface TokenServiceOptions {
  /** DEMARCHE_ADMIN_TOKEN, if set. */
  readonly adminToken?: string;
  /** How long a looked-up record is trusted before the store is asked again. */
  readonly cacheMs: number;
}

/**
 * Issues, lists, revokes and checks bearer tokens. Records are cached briefly: a revocation
 * takes effect at once in the process that made it, and within `cacheMs` in the others.
 */
export class TokenService {
  private readonly cache = new Map<string, { readonly record: TokenRecord; readonly until: number }>();
  private readonly adminHash?: Buffer;
  private readonly revocationListeners: RevocationListener[] = [];

  constructor(
    private readonly store: TokenStore,
    private readonly clock: Clock,
    private readonly options: TokenServiceOptions,
  ) {
    if (options.adminToken) this.adminHash = Buffer.from(hashToken(options.adminToken), 'hex');
  }

  async authenticate(secret: string): Promise<Authentication> {
    const hash = hashToken(secret);
    if (this.adminHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.adminHash)) {
      return { ok: true, principal: { tokenId: ENV_ADMIN_ID, role: 'admin' } };
    }
    const record = await this.lookup(hash);
    if (!record) return { ok: false, reason: 'unknown', detail: 'The bearer token is not one Demarche issued.' };
    if (record.revokedAt) return { ok: false, reason: 'revoked', detail: `Token ${record.id} was revoked at ${record.revokedAt}.` };
    if (record.expiresAt && Date.parse(record.expiresAt) <= this.clock.now().getTime()) {
      return { ok: false, reason: 'expired', detail: `Token ${record.id} expired at ${record.expiresAt}.` };
    }
    return { ok: true, principal: principalOf(record) };
  }

  /** Creates a token; the secret is returned here and never again. */
  async issue(request: IssueRequest, issuedBy: string): Promise<{ readonly token: string; readonly record: TokenRecord }> {
    const token = newSecret();
    const record: TokenRecord = {
      hash: hashToken(token),
      id: `${request.role}-${randomBytes(6).toString('hex')}`,
      role: request.role,
      ...(request.missionId ? { missionId: request.missionId } : {}),
      ...(request.campaignIds ? { campaignIds: [...request.campaignIds] } : {}),
      ...(request.expiresAt ? { expiresAt: new Date(request.expiresAt).toISOString() } : {}),
      ...(request.label ? { label: request.label } : {}),
      issuedAt: this.clock.now().toISOString(),
      issuedBy,
    };
    await this.store.insert(record);
    return { token, record };
  }

  async list(): Promise<TokenView[]> {
    return (await this.store.list()).map(viewOf).sort((a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.id.localeCompare(b.id));
  }

  /**
   * Revokes the token, then tells the listeners. Revoking again tells them again, so a
   * listener that failed (its store was down) is given another chance by a retry.
   */
  async revoke(id: string, by: string): Promise<TokenRecord | undefined> {
    const record = await this.store.revoke(id, this.clock.now().toISOString(), by);
    if (!record) return undefined;
    this.cache.delete(record.hash);
    for (const listener of this.revocationListeners) await listener(record.id);
    return record;
  }

  onRevoked(listener: RevocationListener): void {
    this.revocationListeners.push(listener);
  }

  /** A coordinator who launched a campaign coordinates it: its token's scope grows by it, at once. */
  async grantCampaign(id: string, campaignId: string): Promise<void> {
    const record = await this.store.grantCampaign(id, campaignId);
    if (record) this.cache.delete(record.hash);
  }

  /** True if a token other than DEMARCHE_ADMIN_TOKEN can act as admin now. */
  async hasUsableAdmin(): Promise<boolean> {
    const now = this.clock.now().getTime();
    return (await this.store.list()).some((r) => r.role === 'admin' && !r.revokedAt && (!r.expiresAt || Date.parse(r.expiresAt) > now));
  }

  private async lookup(hash: string): Promise<TokenRecord | undefined> {
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.record;
    const record = await this.store.byHash(hash);
    // Unknown tokens are not cached: one issued by another process works at once.
    if (record && this.options.cacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { record, until: Date.now() + this.options.cacheMs });
    } else this.cache.delete(hash);
    return record;
  }
}

function principalOf(record: TokenRecord): Principal {
  return {
    tokenId: record.id,
    role: record.role,
    ...(record.missionId ? { missionId: record.missionId } : {}),
    ...(record.campaignIds ? { campaignIds: record.campaignIds } : {}),
  };
}
