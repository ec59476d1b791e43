import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Clock } from '../../kernel/index.js';
import { TOKEN_STORE, TokenService, type TokenStore } from '../../access/index.js';
import { NOTES_CIPHER, type NotesCipher } from '../../outreach/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import type { Person } from '../domain/person.js';
import { PEOPLE, type PersonStore, type StoredPerson } from './notification.ports.js';

/** The cipher's key of a person: sealed like a mission's notes, under a key of the person's own. */
const keyOf = (tokenId: string) => `person-${tokenId}`;
const CONTEXT = 'NotificationPerson';

/**
 * People and their wishes. Name and e-mail are sealed with a key per person (AES-256-GCM,
 * the notes' cipher); forgetting the person destroys that key and deletes the record. A
 * person is forgotten when they ask, and when their token is revoked: at once in the process
 * that revokes it, and by the worker for a revocation it finds otherwise made.
 */
@Injectable()
export class People implements OnModuleInit {
  constructor(
    @Inject(PEOPLE) private readonly store: PersonStore,
    @Inject(NOTES_CIPHER) private readonly cipher: NotesCipher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
    private readonly tokenService: TokenService,
  ) {}

  onModuleInit(): void {
    this.tokenService.onRevoked(async (tokenId) => void (await this.forget(tokenId)));
  }

  async set(person: Person): Promise<void> {
    const previous = await this.store.get(person.tokenId);
    const sealed = await this.cipher.seal(keyOf(person.tokenId), JSON.stringify({ name: person.name, email: person.email }), CONTEXT);
    const { name: _, email: __, ...rest } = person;
    await this.store.put({ ...rest, sealed, unsubscribeSecret: previous?.unsubscribeSecret ?? randomBytes(24).toString('base64url'), updatedAt: this.clock.now().toISOString() });
  }

  async get(tokenId: string): Promise<(Person & { readonly unsubscribeSecret: string }) | undefined> {
    const stored = await this.store.get(tokenId);
    return stored && this.open(stored);
  }

  /** The person in clear, or undefined when their key is gone (forgotten). */
  async open(stored: StoredPerson): Promise<(Person & { readonly unsubscribeSecret: string }) | undefined> {
    const [clear] = await this.cipher.open([{ text: stored.sealed, context: CONTEXT }]);
    if (clear === undefined) return undefined;
    const { name, email } = JSON.parse(clear) as { name: string; email: string };
    const { sealed: _, updatedAt: __, ...rest } = stored;
    return { ...rest, name, email };
  }

  /** Turns every mail off for the holder of an unsubscribe link; false for an unknown one. */
  async unsubscribe(secret: string): Promise<boolean> {
    const stored = await this.store.bySecret(secret);
    if (!stored) return false;
    await this.store.put({ ...stored, assignmentMails: false, digest: 'off', updatedAt: this.clock.now().toISOString() });
    return true;
  }

  async forget(tokenId: string): Promise<boolean> {
    const destroyed = await this.cipher.destroy(keyOf(tokenId));
    const deleted = await this.store.delete(tokenId);
    return destroyed || deleted;
  }

  /** Forgets the people whose token was revoked; answers how many. */
  async forgetRevoked(): Promise<number> {
    const revoked = new Set((await this.tokens.list()).filter((t) => t.revokedAt).map((t) => t.id));
    const doomed = (await this.store.list()).filter((p) => revoked.has(p.tokenId));
    for (const p of doomed) await this.forget(p.tokenId);
    return doomed.length;
  }

  list(): Promise<StoredPerson[]> {
    return this.store.list();
  }
}
