import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query, Req } from '@nestjs/common';
import { ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import type { Request } from 'express';
import { InvalidRequest } from '../../platform/http/problem.js';
import { metadataOf } from '../../platform/http/request-context.js';
import { oneOf, onlyKnownQuery } from '../../platform/http/validators.js';
import { WEBHOOK_EVENT_NAMES, type WebhookEventName } from '../domain/webhook.js';
import type { WebhookDelivery } from '../application/webhook.ports.js';
import { refusedUrl, Webhooks } from '../application/webhooks.js';
import { shownWebhook } from '../application/webhook-secrets.js';

export class RegisterWebhookDto {
  @ApiProperty({ example: 'https://example.org/hooks/demarche' }) @IsString() @MaxLength(2000) url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_NAMES, isArray: true, example: ['follow-up.opened'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_NAMES.length * 2)
  @IsIn(WEBHOOK_EVENT_NAMES, { each: true, message: `each of events must be one of ${WEBHOOK_EVENT_NAMES.join(', ')}` })
  events!: WebhookEventName[];
}

const DELIVERY_ID = /^msg_wh-[a-f0-9-]{1,12}_[A-Za-z0-9-]{1,64}$/;
const shown = ({ body: _, ...d }: WebhookDelivery) => ({ ...d, nextAttemptAt: d.nextAttemptAt || null });

/** Signed webhooks: receivers registered by admins, and what was delivered to them. */
@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: Webhooks) {}

  /** Registers a receiver; the answer carries its signing secret, this once. */
  @Post()
  @HttpCode(201)
  async register(@Body() body: RegisterWebhookDto, @Req() req: Request) {
    const refused = await refusedUrl(body.url, this.webhooks.settings.allowPrivate);
    if (refused) throw new InvalidRequest([{ field: 'url', message: refused }]);
    return this.webhooks.register(body.url, body.events, metadataOf(req).actor);
  }

  @Get()
  async list() {
    const items = (await this.webhooks.store.subscriptions()).map(shownWebhook);
    return { items, count: items.length };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    if (!(await this.webhooks.remove(id))) throw new NotFoundException({ code: 'unknown-webhook', message: `There is no webhook "${id}".` });
  }

  /** Deliveries, newest first; `state=parked` lists those that used up their tries. */
  @Get('deliveries')
  @ApiQuery({ name: 'state', required: false, enum: ['pending', 'delivered', 'parked'] })
  async deliveries(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['state']);
    const state = oneOf('state', query.state, ['pending', 'delivered', 'parked'] as const);
    const items = (await this.webhooks.store.deliveries(state, 500)).map(shown);
    return { items, count: items.length };
  }

  /** Tries a delivery again from its first try, with the same webhook-id. */
  @Post('deliveries/:id/replay')
  @HttpCode(202)
  async replay(@Param('id') id: string) {
    if (!DELIVERY_ID.test(id)) throw new InvalidRequest([{ field: 'id', message: 'id is not a delivery id (msg_<webhook>_<event>)' }]);
    const delivery = await this.webhooks.replay(id);
    if (!delivery) throw new NotFoundException({ code: 'unknown-delivery', message: `There is no delivery "${id}".` });
    return shown(delivery);
  }
}
