import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/config/config.js';
import { refusal } from '../../../tests/support/refusal.js';
import { fold } from '../../kernel/index.js';
import { checkTreaty } from './treaty-catalog.js';
import { decideTreatyAction, treatyStatusDecider, type RecordTreatyAction } from '../domain/treaty-status.decider.js';
import { decideDeclaration } from '../domain/treaty-declaration.decider.js';
import { entryIntoForceForState, treatyEntryIntoForce, withdrawalTakesEffectOn, type TreatyDefinition } from '../domain/treaty.js';
import { inForceOn, statusOn } from '../domain/treaty-standing.js';

const file = (code: string) => join(projectRoot(), `reference/treaties/${code}.json`);
const shipped = (code: string): TreatyDefinition => checkTreaty(JSON.parse(readFileSync(file(code), 'utf8')), file(code));
const [CCM, APMBC, ATT] = [shipped('ccm'), shipped('apmbc'), shipped('att')];
const today = '2026-02-03';

type Act = Omit<RecordTreatyAction, 'treaty' | 'iso3' | 'today'>;

/** The events of `acts` recorded one after the other for one state, and the standing they leave. */
function record(treaty: TreatyDefinition, ...acts: Act[]) {
  const events = acts.reduce<ReturnType<typeof decideTreatyAction>>((done, act) => {
    const state = fold(treatyStatusDecider, done);
    return [...done, ...decideTreatyAction({ treaty, iso3: 'XXX', today, ...act }, state)];
  }, []);
  return { events, standing: fold(treatyStatusDecider, events) };
}

describe('the shipped treaty rules', () => {
  it('bring each treaty into force on its own day', () => {
    expect(treatyEntryIntoForce(CCM)).toBe('2010-08-01');
    expect(treatyEntryIntoForce(APMBC)).toBe('1999-03-01');
    expect(treatyEntryIntoForce(ATT)).toBe('2014-12-24');
  });

  it('APMBC Art. 17: the first day of the sixth month after the month of deposit', () => {
    expect(record(APMBC, { action: 'accession', on: '2007-07-30' }).standing.entryIntoForceOn).toBe('2008-01-01'); // Kuwait
    expect(entryIntoForceForState(APMBC, '1998-09-16')).toBe('1999-03-01'); // the 40th instrument
    expect(entryIntoForceForState(APMBC, '1998-09-30')).toBe('1999-03-01');
    expect(entryIntoForceForState(APMBC, '1998-10-08')).toBe('1999-04-01');
    expect(entryIntoForceForState(APMBC, '2002-09-11')).toBe('2003-03-01');
  });

  it('a succession takes the date the record gives, within the rule (Montenegro, South Sudan)', () => {
    expect(record(APMBC, { action: 'succession', on: '2006-10-23', entryIntoForceOn: '2007-04-01' }).standing.entryIntoForceOn).toBe('2007-04-01');
    const ssd = record(APMBC, { action: 'succession', on: '2011-11-11', entryIntoForceOn: '2011-07-09' }).standing;
    expect(ssd.entryIntoForceOn).toBe('2011-07-09');
    expect(inForceOn(ssd, '2011-11-11')).toBe(true);
    expect(record(APMBC, { action: 'succession', on: '2011-11-11' }).standing.entryIntoForceOn).toBe('2012-05-01');
    expect(refusal(() => record(APMBC, { action: 'succession', on: '2011-11-11', entryIntoForceOn: '1998-01-01' })).code).toBe('entry-into-force-rule');
    expect(refusal(() => record(APMBC, { action: 'succession', on: '2011-11-11', entryIntoForceOn: '2012-06-01' })).code).toBe('entry-into-force-rule');
    const ratification = refusal(() => record(APMBC, { action: 'signature', on: '1997-12-03' }, { action: 'ratification', on: '2000-01-05', entryIntoForceOn: '2000-02-01' }));
    expect([ratification.code, ratification.field]).toEqual(['entry-into-force-rule', 'entryIntoForceOn']);
  });

  it('ATT Art. 22: deposits before the entry into force take effect with it, later ones on the 90th day', () => {
    expect(entryIntoForceForState(ATT, '2014-09-25')).toBe('2014-12-24'); // the 50th instrument
    expect(record(ATT, { action: 'signature', on: '2013-06-03' }, { action: 'ratification', on: '2014-10-01' }).standing.entryIntoForceOn).toBe('2014-12-24');
    expect(entryIntoForceForState(ATT, '2014-12-22')).toBe('2014-12-24');
    expect(entryIntoForceForState(ATT, '2014-12-24')).toBe('2015-03-24');
    expect(record(ATT, { action: 'accession', on: '2015-05-20' }).standing.entryIntoForceOn).toBe('2015-08-18'); // 90 days later
    expect(entryIntoForceForState(ATT, '2025-09-05')).toBe('2025-12-04');
  });

  it('closes signature at the entry into force, naming the rule', () => {
    const late = refusal(() => record(CCM, { action: 'signature', on: '2012-05-10' }));
    expect([late.kind, late.code, late.field]).toEqual(['rule-violated', 'signature-closed', 'action']);
    expect(late.message).toMatch(/^CCM Art\. 15: .*2010-08-01/);
    expect(record(ATT, { action: 'signature', on: '2014-12-23' }).events).toHaveLength(1);
    expect(refusal(() => record(ATT, { action: 'signature', on: '2014-12-24' })).message).toMatch(/^ATT Art\. 21/);
    expect(refusal(() => record(APMBC, { action: 'signature', on: '1999-03-01' })).code).toBe('signature-closed');
  });

  it('withdrawal notice periods: six months (CCM, APMBC Art. 20), 90 days (ATT Art. 24)', () => {
    expect(withdrawalTakesEffectOn(APMBC, '2025-08-20')).toBe('2026-02-20'); // Poland
    expect(withdrawalTakesEffectOn(ATT, '2025-01-01')).toBe('2025-04-01');
    const party = [{ action: 'accession', on: '2015-01-05' }] as Act[];
    const early = refusal(() => record(ATT, ...party, { action: 'withdrawal', on: '2025-01-01', effectiveOn: '2025-03-31' }));
    expect([early.code, early.field]).toEqual(['withdrawal-notice-period', 'effectiveOn']);
    expect(early.message).toMatch(/^ATT Art\. 24: .*90 days/);
    expect(record(ATT, ...party, { action: 'withdrawal', on: '2025-01-01', effectiveOn: '2025-06-01' }).standing.withdrawalEffectiveOn).toBe('2025-06-01');
    const ccmLater = refusal(() => record(CCM, { action: 'accession', on: '2012-01-05' }, { action: 'withdrawal', on: '2024-09-06', effectiveOn: '2025-04-01' }));
    expect(ccmLater.code).toBe('withdrawal-notice-period');
    const ccmEarly = refusal(() => record(CCM, { action: 'accession', on: '2012-01-05' }, { action: 'withdrawal', on: '2024-09-06', effectiveOn: '2025-03-05' }));
    expect(ccmEarly.code).toBe('withdrawal-notice-period');
  });

  it('a withdrawal in an armed conflict waits (APMBC Art. 20(3)); the ATT has no such rule', () => {
    const { events, standing } = record(APMBC, { action: 'accession', on: '2000-01-05' }, { action: 'withdrawal', on: '2025-06-27', inArmedConflict: true });
    expect(events[1]!.data).toMatchObject({ action: 'withdrawal', effectSuspended: 'armed-conflict' });
    expect(events[1]!.data.effectiveOn).toBeUndefined();
    expect(statusOn(standing, '2026-02-03')).toBe('state-party');
    expect(inForceOn(standing, '2026-02-03')).toBe(true);
    expect(refusal(() => record(ATT, { action: 'accession', on: '2015-01-05' }, { action: 'withdrawal', on: '2025-01-01', inArmedConflict: true })).code).toBe('no-armed-conflict-rule');
    // The conflict ends: the same notice, now with its effect, ends the suspension.
    const notice = [{ action: 'accession', on: '2000-01-05' }, { action: 'withdrawal', on: '2025-06-27', inArmedConflict: true }] as Act[];
    const ended = record(APMBC, ...notice, { action: 'withdrawal', on: '2025-06-27', effectiveOn: '2026-04-01' });
    expect(ended.events[2]!.data).toMatchObject({ action: 'withdrawal', on: '2025-06-27', effectiveOn: '2026-04-01' });
    expect(ended.standing.withdrawalSuspended).toBeUndefined();
    expect([statusOn(ended.standing, '2026-03-31'), statusOn(ended.standing, '2026-04-01')]).toEqual(['state-party', 'withdrawn']);
    expect(record(APMBC, ...notice, { action: 'withdrawal', on: '2025-06-27', effectiveOn: '2026-04-01' }, { action: 'withdrawal', on: '2025-06-27', effectiveOn: '2026-04-01' }).events).toHaveLength(3);
    expect(refusal(() => record(APMBC, ...notice, { action: 'withdrawal', on: '2025-06-27', effectiveOn: '2025-12-01' })).code).toBe('withdrawal-notice-period');
    expect(refusal(() => record(APMBC, ...notice, { action: 'withdrawal', on: '2025-07-01', effectiveOn: '2026-04-01' })).code).toBe('withdrawn');
    expect(refusal(() => record(ATT, { action: 'accession', on: '2015-01-05', effectiveOn: '2016-01-01' })).field).toBe('effectiveOn');
  });

  it('records the declarations a treaty provides for, as dated facts', () => {
    const [pa] = decideDeclaration({ treaty: ATT, iso3: 'AUT', declaration: 'provisional-application', on: '2014-06-03', today }, []);
    expect(pa).toEqual({ type: 'TreatyDeclarationRecorded', occurredAt: '2014-06-03', data: { treaty: 'ATT', iso3: 'AUT', declaration: 'provisional-application', on: '2014-06-03', source: 'ATT Art. 23' } });
    expect(decideDeclaration({ treaty: ATT, iso3: 'AUT', declaration: 'provisional-application', on: '2014-06-03', today }, [pa!.data])).toEqual([]);
    expect(refusal(() => decideDeclaration({ treaty: CCM, iso3: 'USA', declaration: 'no-intention-to-become-party', on: '2019-07-18', today }, [])).code).toBe('declaration-not-provided');
  });

  it('refuses a treaty file with a broken rule, naming the file and the rule', () => {
    const raw = JSON.parse(readFileSync(file('att'), 'utf8'));
    const broken = (change: Record<string, unknown>) => () => checkTreaty({ ...raw, ...change }, 'att.json');
    expect(broken({ entryIntoForce: { ...raw.entryIntoForce, monthsAfterDeposit: 6 } })).toThrow(/att\.json is not valid: entryIntoForce needs exactly one of monthsAfterDeposit and daysAfterDeposit/);
    expect(broken({ withdrawalNoticeMonths: 6 })).toThrow(/exactly one of withdrawalNoticeMonths and withdrawalNoticeDays/);
    expect(broken({ entryIntoForce: { ...raw.entryIntoForce, earlyInstrumentsUntil: 'soon' } })).toThrow(/earlyInstrumentsUntil/);
    expect(broken({ signatureClosesOn: '2013-01-01' })).toThrow(/signatureClosesOn must be after openedForSignatureOn/);
    expect(broken({ withdrawlNoticeDays: 90 })).toThrow(/"withdrawlNoticeDays" is not a treaty rule/);
    expect(broken({ declarations: ['reservation'] })).toThrow(/declarations must list/);
    expect(broken({ obstacles: ['Export Control'] })).toThrow(/obstacles must list lower-case obstacle codes/);
    expect(broken({ name: '' })).toThrow(/name must be the short name of the treaty/);
    expect(broken({ name: undefined })).not.toThrow(); // the name is optional: the title stands in
  });
});
