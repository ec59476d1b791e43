import type { DigestFrequency, Language } from '../domain/person.js';

export const PEOPLE = Symbol('People');
export const OUTBOX = Symbol('MailOutbox');
export const MAILER = Symbol('Mailer');

/** A person as stored: `sealed` holds name and email, sealed with the person's own key. */
export interface StoredPerson {
  readonly tokenId: string;
  readonly sealed: string;
  readonly language: Language;
  readonly timeZone: string;
  readonly assignmentMails: boolean;
  readonly digest: DigestFrequency;
  readonly digestHour: number;
  /** The secret of the person's one-click unsubscribe link. */
  readonly unsubscribeSecret: string;
  readonly updatedAt: string;
}

/** Where the profile keeps people (a SQLite table, a MongoDB collection keyed by token id). */
export interface PersonStore {
  put(person: StoredPerson): Promise<void>;
  get(tokenId: string): Promise<StoredPerson | undefined>;
  bySecret(secret: string): Promise<StoredPerson | undefined>;
  list(): Promise<StoredPerson[]>;
  delete(tokenId: string): Promise<boolean>;
}

export const CALENDAR_FEEDS = Symbol('CalendarFeeds');

/** Calendar feed secrets, kept as their SHA-256: one live secret per token at most. */
export interface CalendarFeedStore {
  /** Replaces the token's secret (the previous one stops working). */
  issue(tokenId: string, hash: string, at: string): Promise<void>;
  tokenOf(hash: string): Promise<string | undefined>;
  revoke(tokenId: string): Promise<boolean>;
}

export type MailKind = 'assignment' | 'escalation' | 'digest';
export type OutboxState = 'pending' | 'sent' | 'skipped';

/**
 * A mail to send. Its key is unique (`assignment:<task>:<event>`, `digest:<person>:<period>`):
 * an entry is written once however often it is asked for, and the key is the mail's
 * Message-ID, so a resend after a crash is recognisable as the same mail.
 */
export interface OutboxEntry {
  readonly key: string;
  readonly kind: MailKind;
  readonly personId: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly state: OutboxState;
  readonly attempts: number;
  /** When the entry may be taken next; while `claim` is set, when that claim runs out. */
  readonly nextAttemptAt: string;
  readonly createdAt: string;
  /** The sender that took the entry and has not said how its try ended (it may have died). */
  readonly claim?: string;
  readonly lastError?: string;
  readonly doneAt?: string;
  /** When the payload and the last error were removed, the retention having passed. */
  readonly prunedAt?: string;
}

export interface MailOutbox {
  /** Adds the entries whose key is new; the others stay as they are. */
  enqueue(entries: readonly OutboxEntry[]): Promise<void>;
  has(key: string): Promise<boolean>;
  /** Pending entries whose next attempt is due at `now` (a claim that ran out included), oldest first. */
  due(now: string, limit: number): Promise<OutboxEntry[]>;
  /**
   * Takes a due entry for `claimant` until `until`, if it is still as `seen` (pending, its next
   * attempt unchanged): of two senders that saw it, one gets it. Answers the entry as taken.
   */
  claim(seen: OutboxEntry, claimant: string, until: string): Promise<OutboxEntry | undefined>;
  /** `sent` or `skipped`, for good. */
  finish(key: string, state: Exclude<OutboxState, 'pending'>, at: string, note?: string): Promise<void>;
  /** Gives the entry back for a try at `nextAttemptAt`, unless another sender holds it now. */
  retryLater(key: string, claimant: string, attempts: number, nextAttemptAt: string, error: string): Promise<void>;
  /** Removes payload and last error of the entries sent or skipped before `before`; their key stays. Answers how many. */
  prune(before: string, at: string): Promise<number>;
  list(limit: number): Promise<OutboxEntry[]>;
}

/** A mail as handed to the SMTP server. */
export interface OutgoingMail {
  readonly messageId: string;
  readonly to: { readonly name: string; readonly address: string };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly unsubscribeUrl: string;
}

export interface Mailer {
  /** Resolves once the server took the mail; an aborted `signal` cuts the conversation off. */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<void>;
  /** Resolves when the SMTP server answers; rejects saying what to do. */
  check(): Promise<void>;
  close(): void;
}
