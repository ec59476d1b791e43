import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ConsistencyInterceptor } from '../../libs/platform/http/consistency.interceptor.js';
import { JsonOnlyMiddleware } from '../../libs/platform/http/json-only.middleware.js';
import { PlainQueryMiddleware } from '../../libs/platform/http/plain-query.middleware.js';

/**
 * The api role's HTTP edge: the command and query buses the contexts' controllers use, the
 * read-your-writes interceptor, and the checks every request passes first. The controllers
 * themselves come with their contexts' modules.
 */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ConsistencyInterceptor }],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // RFC 8058: a mail program's one-click unsubscribe posts `List-Unsubscribe=One-Click` as a form.
    consumer.apply(JsonOnlyMiddleware, PlainQueryMiddleware).exclude({ path: 'notifications/unsubscribe/:secret', method: RequestMethod.POST }).forRoutes('*path');
  }
}
