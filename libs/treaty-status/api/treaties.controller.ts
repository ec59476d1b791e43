import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { onlyKnownQuery } from '../../platform/http/validators.js';
import { TREATIES, type TreatyCatalog } from '../application/treaty-catalog.js';
import { DEFAULT_TREATY, noticePeriod, treatyEntryIntoForce, type TreatyDefinition } from '../domain/treaty.js';

/** A treaty as a client shows and chooses it: its names, its dates and the rules a form needs. */
export function treatyItem(t: TreatyDefinition) {
  const { code, title, name, openedForSignatureOn, signatureClosesOn, entryIntoForce, withdrawalNoticeMonths, withdrawalNoticeDays, obstacles, declarations, articles } = t;
  return {
    code,
    title,
    name: name ?? title,
    openedForSignatureOn,
    signatureClosesOn: signatureClosesOn ?? null,
    entryIntoForce: { ...entryIntoForce, on: treatyEntryIntoForce(t) ?? null },
    withdrawal: {
      notice: noticePeriod(t),
      ...(withdrawalNoticeMonths !== undefined ? { months: withdrawalNoticeMonths } : { days: withdrawalNoticeDays }),
      mayNameLaterDate: t.withdrawalMayNameLaterDate ?? false,
      suspendedInArmedConflict: t.withdrawalSuspendedInArmedConflict ?? false,
    },
    obstacles: obstacles ?? null,
    declarations: declarations ?? [],
    articles: articles ?? {},
  };
}

/** The treaties Demarche knows, read from their files: what a client offers in a switcher. */
@ApiTags('treaty status')
@Controller('v1/treaties')
export class TreatiesController {
  constructor(@Inject(TREATIES) private readonly treaties: TreatyCatalog) {}

  /** Every treaty, by code; `default` is the one a view reads when its request names none. */
  @Get()
  list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, []);
    const items = this.treaties.all().map(treatyItem).sort((a, b) => a.code.localeCompare(b.code));
    return { items, count: items.length, default: DEFAULT_TREATY };
  }
}
