import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import type { Request, Response } from 'express';
import { principalOf } from '../../access/index.js';
import { Omittable, onlyKnownQuery } from '../../platform/http/validators.js';
import { CalendarFeed } from '../application/calendar-feed.js';
import { DIGEST_FREQUENCIES, isTimeZone, LANGUAGES, type DigestFrequency, type Language } from '../domain/person.js';
import { People } from '../application/people.js';
import { OUTBOX, type MailOutbox } from '../application/notification.ports.js';

@ValidatorConstraint({ name: 'timeZone' })
class IanaTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isTimeZone(value);
  }
  defaultMessage(): string {
    return 'timeZone must be an IANA time zone such as "Europe/Oslo" or "UTC"';
  }
}

export class NotificationSettingsDto {
  @ApiProperty({ example: 'Kari Nordmann' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ example: 'kari@example.org' }) @IsString() @MaxLength(254) @IsEmail({}, { message: 'email must be an e-mail address (name@example.org)' }) email!: string;
  @ApiPropertyOptional({ enum: LANGUAGES, default: 'en' }) @Omittable() @IsIn(LANGUAGES, { message: `language must be one of ${LANGUAGES.join(', ')}` }) language?: Language;
  @ApiPropertyOptional({ example: 'Europe/Oslo', default: 'UTC' }) @Omittable() @IsString() @MaxLength(64) @Validate(IanaTimeZone) timeZone?: string;
  @ApiPropertyOptional({ default: true, description: 'A mail when a task is handed to you.' }) @Omittable() @IsBoolean({ message: 'assignmentMails must be true or false' }) assignmentMails?: boolean;
  @ApiPropertyOptional({ enum: DIGEST_FREQUENCIES, default: 'daily' }) @Omittable() @IsIn(DIGEST_FREQUENCIES, { message: `digest must be one of ${DIGEST_FREQUENCIES.join(', ')}` }) digest?: DigestFrequency;
  @ApiPropertyOptional({ default: 7, description: 'The local hour (0-23) the digest comes at.' })
  @Omittable() @IsInt({ message: 'digestHour must be a whole hour from 0 to 23' }) @Min(0, { message: 'digestHour must be a whole hour from 0 to 23' }) @Max(23, { message: 'digestHour must be a whole hour from 0 to 23' }) digestHour?: number;
}

/** The person behind the caller's token, and the mail they want. */
@ApiTags('notifications')
@Controller('v1/me/notifications')
export class MyNotificationsController {
  constructor(private readonly people: People) {}

  @Get()
  async get(@Req() req: Request) {
    const person = await this.people.get(tokenIdOf(req));
    if (!person) throw new NotFoundException({ code: 'no-person', message: 'This token carries no person yet: PUT /v1/me/notifications {name, email, ...} first.' });
    const { unsubscribeSecret: _, ...shown } = person;
    return shown;
  }

  @Put()
  async put(@Body() body: NotificationSettingsDto, @Req() req: Request) {
    const tokenId = tokenIdOf(req);
    await this.people.set({
      tokenId,
      name: body.name,
      email: body.email,
      language: body.language ?? 'en',
      timeZone: body.timeZone ?? 'UTC',
      assignmentMails: body.assignmentMails ?? true,
      digest: body.digest ?? 'daily',
      digestHour: body.digestHour ?? 7,
    });
    return this.get(req);
  }

  /** Forgets the person: their key is destroyed and their record deleted; no mail reaches them after this. */
  @Delete()
  @HttpCode(204)
  async forget(@Req() req: Request): Promise<void> {
    await this.people.forget(tokenIdOf(req));
  }
}

/** RFC 8058 one-click unsubscribe: mail programs POST here without a token; the secret is in the link. */
@ApiTags('notifications')
@Controller('notifications/unsubscribe')
export class UnsubscribeController {
  constructor(private readonly people: People) {}

  @Post(':secret')
  @HttpCode(200)
  async oneClick(@Param('secret') secret: string) {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(secret) || !(await this.people.unsubscribe(secret))) throw new NotFoundException({ code: 'unknown-link', message: 'This unsubscribe link is not known (or was for a person since forgotten).' });
    return { unsubscribed: true };
  }
}

function tokenIdOf(req: Request): string {
  const principal = principalOf(req);
  if (!principal) throw new Error('No principal on a /v1 request: the AuthGuard did not run.');
  return principal.tokenId;
}

/** The outbox as the worker sees it: what waits, what went, what was skipped and why (admins). */
@ApiTags('notifications')
@Controller('v1/notifications/outbox')
export class OutboxController {
  constructor(@Inject(OUTBOX) private readonly outbox: MailOutbox) {}

  @Get()
  async list() {
    // While a sender holds an entry (a send in flight, or a sender that died), its next attempt is when that claim runs out.
    const items = (await this.outbox.list(500)).map(({ key, kind, personId, state, attempts, nextAttemptAt, createdAt, claim, lastError, doneAt, prunedAt }) => ({
      key, kind, personId, state, attempts, nextAttemptAt: nextAttemptAt || null, claimedUntil: claim ? nextAttemptAt : null, createdAt, lastError: lastError ?? null, doneAt: doneAt ?? null, prunedAt: prunedAt ?? null,
    }));
    return { items, count: items.length };
  }
}

export class IssueFeedDto {
  @ApiPropertyOptional({ description: 'Where the feed will be read (shown back, not stored).', example: 'Calendar at work' })
  @Omittable() @IsString() @MaxLength(200) label?: string;
}

/** The caller's calendar feed: a secret URL for calendar programs, issued again or revoked here. */
@ApiTags('notifications')
@Controller('v1/me/calendar-feed')
export class MyCalendarFeedController {
  constructor(private readonly feed: CalendarFeed) {}

  /** A new feed URL; the previous one stops working. The secret is in this answer only. */
  @Post()
  @HttpCode(201)
  async issue(@Body() body: IssueFeedDto, @Req() req: Request) {
    return { ...(await this.feed.issue(tokenIdOf(req))), ...(body.label ? { label: body.label } : {}) };
  }

  @Delete()
  @HttpCode(204)
  async revoke(@Req() req: Request): Promise<void> {
    await this.feed.revoke(tokenIdOf(req));
  }
}

@ApiTags('follow-ups')
@Controller('v1/follow-ups')
export class CalendarController {
  constructor(private readonly feed: CalendarFeed) {}

  /** The follow-ups of the feed's owner as iCalendar; 404 for an unknown or revoked secret. */
  @Get('calendar.ics')
  @ApiQuery({ name: 'feed', required: true, description: 'the secret of POST /v1/me/calendar-feed' })
  async calendar(@Query() query: Record<string, string>, @Res({ passthrough: true }) res: Response) {
    onlyKnownQuery(query, ['feed']);
    const text = await this.feed.render(query.feed ?? '');
    if (text === undefined) throw new NotFoundException({ code: 'unknown-feed', message: 'There is no calendar feed with this secret (it may have been revoked): issue a new one with POST /v1/me/calendar-feed.' });
    res.setHeader('content-type', 'text/calendar; charset=utf-8');
    res.setHeader('cache-control', 'private, no-store');
    return text;
  }
}
