import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { EventMetadata } from '../../kernel/index.js';

const ACTOR = Symbol('demarche.actor');

/** Set by the authentication guard: who the bearer token says is acting (`token:<id>`). */
export function setActor(request: Request, actor: string): void {
  (request as Request & { [ACTOR]?: string })[ACTOR] = actor;
}

/** The authenticated actor of a request, if a bearer token was checked. */
export function actorOf(request: Request): string | undefined {
  return (request as Request & { [ACTOR]?: string })[ACTOR];
}

const CORRELATION = Symbol('demarche.correlationId');

/**
 * The request's correlation id: its `X-Request-Id` when the caller sent a usable one (up to
 * 128 letters, digits and `_.:@-`), a random UUID otherwise; the same for the whole request
 * (the response echoes it, log lines and recorded events carry it).
 */
export function correlationIdOf(request: Request): string {
  const holder = request as Request & { [CORRELATION]?: string };
  if (!holder[CORRELATION]) {
    const sent = request.header('x-request-id');
    holder[CORRELATION] = sent && /^[\w.:@-]{1,128}$/.test(sent) ? sent : randomUUID();
  }
  return holder[CORRELATION];
}

/**
 * Who is asking and as part of what: the actor is the authenticated principal (`token:<id>`),
 * the correlation id comes from `X-Request-Id` when a caller sends one.
 */
export function metadataOf(request: Request): EventMetadata {
  const correlationId = correlationIdOf(request);
  return { actor: actorOf(request) ?? 'anonymous', correlationId, causationId: correlationId };
}
