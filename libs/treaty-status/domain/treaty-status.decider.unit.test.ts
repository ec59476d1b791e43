import { fold } from '../../kernel/index.js';
import { refusal } from '../../../tests/support/refusal.js';
import { decideTreatyAction, treatyStatusDecider, type RecordTreatyAction } from './treaty-status.decider.js';
import type { StatusChanged } from './treaty-status.events.js';
import { entryIntoForceForState, treatyEntryIntoForce, type TreatyDefinition } from './treaty.js';
import { inForceOn, statusOn } from './treaty-standing.js';

const CCM: TreatyDefinition = {
  code: 'CCM',
  title: 'Convention on Cluster Munitions',
  openedForSignatureOn: '2008-12-03',
  signatureClosesOn: '2010-08-01',
  entryIntoForce: { instrumentsRequired: 30, monthsAfterDeposit: 6, thresholdReachedOn: '2010-02-16' },
  withdrawalNoticeMonths: 6,
};

type Act = Pick<RecordTreatyAction, 'action' | 'on'>;
const today = '2026-02-03';

/** given acts already recorded, when one more is recorded: the events it yields. */
function given(...history: Act[]) {
  const events = history.flatMap((act, i) => {
    const state = fold(treatyStatusDecider, history.slice(0, i).flatMap((a) => decideTreatyAction({ treaty: CCM, iso3: 'NOR', today, ...a }, {})));
    return decideTreatyAction({ treaty: CCM, iso3: 'NOR', today, ...act }, state);
  });
  const state = fold(treatyStatusDecider, events as StatusChanged[]);
  return {
    when: (act: Act) => decideTreatyAction({ treaty: CCM, iso3: 'NOR', today, ...act }, state),
    state,
  };
}


describe('treaty status decider', () => {
  it('records a signature and makes the state a signatory', () => {
    const [event] = given().when({ action: 'signature', on: '2008-12-03' });
    expect(event).toEqual({
      type: 'StatusChanged',
      occurredAt: '2008-12-03',
      data: { treaty: 'CCM', iso3: 'NOR', action: 'signature', on: '2008-12-03', treatyStatus: 'signatory' },
    });
  });

  it('refuses a ratification by a state that never signed: that is an accession', () => {
    const error = refusal(() => given().when({ action: 'ratification', on: '2011-01-01' }));
    expect(error.code).toBe('not-signed');
    expect(error.field).toBe('action');
    expect(error.message).toMatch(/accession/);
  });

  it('refuses an accession by a signatory', () => {
    expect(refusal(() => given({ action: 'signature', on: '2009-01-01' }).when({ action: 'accession', on: '2011-01-01' })).code).toBe('signed-already');
  });

  it('closes signature when the convention entered into force', () => {
    expect(given().when({ action: 'signature', on: '2010-07-31' })).toHaveLength(1);
    expect(refusal(() => given().when({ action: 'signature', on: '2010-08-01' })).code).toBe('signature-closed');
  });

  it('refuses acts before the opening for signature and after today', () => {
    expect(refusal(() => given().when({ action: 'accession', on: '2008-12-02' })).code).toBe('before-opening');
    expect(refusal(() => given().when({ action: 'accession', on: '2026-02-04' })).code).toBe('in-the-future');
  });

  it('refuses a ratification dated before the signature', () => {
    expect(refusal(() => given({ action: 'signature', on: '2009-05-01' }).when({ action: 'ratification', on: '2009-04-30' })).code).toBe('before-signature');
  });

  it('gives instruments deposited up to the 30th the treaty entry into force, later ones Article 17(2)', () => {
    const early = given({ action: 'signature', on: '2008-12-03' }).when({ action: 'ratification', on: '2010-02-16' });
    expect(early[0]!.data.entryIntoForceOn).toBe('2010-08-01');
    const late = given().when({ action: 'accession', on: '2011-09-08' });
    expect(late[0]!.data.entryIntoForceOn).toBe('2012-03-01');
    expect(entryIntoForceForState(CCM, '2010-02-17')).toBe('2010-08-01');
    expect(entryIntoForceForState(CCM, '2010-03-31')).toBe('2010-09-01');
    expect(entryIntoForceForState(CCM, '2025-09-05')).toBe('2026-03-01');
    expect(entryIntoForceForState(CCM, '2012-12-31')).toBe('2013-06-01');
    expect(treatyEntryIntoForce(CCM)).toBe('2010-08-01');
  });

  it('leaves the entry into force open while the treaty lacks its 30 instruments', () => {
    const young: TreatyDefinition = { ...CCM, entryIntoForce: { instrumentsRequired: 30, monthsAfterDeposit: 6 } };
    const [event] = decideTreatyAction({ treaty: young, iso3: 'NOR', today, action: 'accession', on: '2020-01-01' }, {});
    expect(event!.data.entryIntoForceOn).toBeUndefined();
  });

  it('is idempotent for the very same act, and refuses a contradicting one', () => {
    const history = given({ action: 'signature', on: '2008-12-03' }, { action: 'ratification', on: '2009-06-16' });
    expect(history.when({ action: 'ratification', on: '2009-06-16' })).toEqual([]);
    expect(refusal(() => history.when({ action: 'ratification', on: '2009-07-01' })).code).toBe('already-party');
    expect(refusal(() => history.when({ action: 'signature', on: '2009-07-01' })).code).toBe('already-party');
  });

  it('ends party status when a withdrawal takes effect, six months after notice', () => {
    const { state, when } = given({ action: 'signature', on: '2008-12-03' }, { action: 'ratification', on: '2011-03-24' });
    const [withdrawal] = when({ action: 'withdrawal', on: '2024-09-06' });
    expect(withdrawal!.data.effectiveOn).toBe('2025-03-06');
    const after = treatyStatusDecider.evolve(state, withdrawal!);
    expect(statusOn(after, '2025-03-05')).toBe('state-party');
    expect(inForceOn(after, '2025-03-05')).toBe(true);
    expect(statusOn(after, '2025-03-06')).toBe('withdrawn');
    expect(inForceOn(after, '2025-03-06')).toBe(false);
    expect(refusal(() => decideTreatyAction({ treaty: CCM, iso3: 'NOR', today, action: 'accession', on: '2025-06-01' }, after)).code).toBe('withdrawn');
  });

  it('refuses a withdrawal by a state that is not a party', () => {
    expect(refusal(() => given({ action: 'signature', on: '2008-12-03' }).when({ action: 'withdrawal', on: '2020-01-01' })).code).toBe('not-a-party');
  });

  it('computes the status on any date from the record', () => {
    const { state } = given({ action: 'signature', on: '2008-12-03' }, { action: 'ratification', on: '2009-06-16' });
    expect(statusOn(state, '2008-12-02')).toBe('non-signatory');
    expect(statusOn(state, '2008-12-03')).toBe('signatory');
    expect(statusOn(state, '2009-06-16')).toBe('state-party');
    expect(inForceOn(state, '2010-07-31')).toBe(false);
    expect(inForceOn(state, '2010-08-01')).toBe(true);
  });
});
