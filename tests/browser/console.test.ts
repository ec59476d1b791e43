/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Code passed to page.evaluate runs in the browser, so this file also sees the DOM types.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, assertConsoleBuilt, closeBrowser, launchChromium, signedInPage, unlabelledControls } from '../support/browser.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';

/**
 * The web console in headless Chromium, on a fresh app: a mission posts a response, two
 * coordinators see the follow-up arrive without reloading, one claims and completes it, and
 * an analyst moves the date slider back to the Third Meeting of States Parties.
 */
describe('the web console', () => {
  let app: RunningApp;
  let browser: Browser;
  let base: string;
  const tokens = { mission: '', alice: '', bob: '', analyst: '' };
  /** The actor each token stamps on what it does: `token:<id>`. */
  const actors = new Map<string, string>();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    assertConsoleBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startTestApp();
    await app.settle(); // on the distributed profile the projectors read the seeded states on their own time
    base = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'ERI'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'CCM joint demarche 2026', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-15' }).expect(201);
    const issue = async (body: object) => {
      const issued = (await app.http().post('/v1/tokens').send(body).expect(201)).body;
      actors.set(issued.token, `token:${issued.id}`);
      return issued.token as string;
    };
    tokens.mission = await issue({ role: 'mission', missionId: 'nor-nairobi', label: 'Nairobi desk' });
    tokens.alice = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'], label: 'Alice, Oslo' });
    tokens.bob = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'], label: 'Bob, Wellington' });
    tokens.analyst = await issue({ role: 'analyst', label: 'Analyst' });
    await app.settle();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await app?.destroy();
  });

  const signedIn = (token: string, width = 1280, height = 900) => signedInPage(browser, base, token, contexts, { width, height });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  const task = (page: Page, country: string) => page.locator('article.task', { has: page.getByRole('heading', { name: new RegExp(country) }) });

  it('serves the console at / without shadowing the API, its description or its health', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await index.text()).toContain('<div id="app">');
    expect((await fetch(`${base}/v1/follow-ups`)).status).toBe(401);
    expect((await fetch(`${base}/docs/openapi.json`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBeLessThan(500);
  });

  it('refuses a wrong token at sign-in with the API\'s words', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await shot(page, '01-sign-in');
    await page.getByLabel('Access token').fill('dmr_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/401/);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('carries a response from a mission to both coordinators\' queues live, where one claims and completes it', async () => {
    const alice = await signedIn(tokens.alice);
    const bob = await signedIn(tokens.bob);
    for (const page of [alice, bob]) {
      const campaign = page.getByRole('textbox', { name: 'Campaign', exact: true });
      await campaign.fill('ccm-2026');
      await campaign.press('Enter');
      await campaign.blur();
      await page.locator('#live-status', { hasText: 'Live' }).waitFor();
      await expect(task(page, 'Ethiopia').count()).resolves.toBe(0);
    }
    expect(await unlabelledControls(alice)).toEqual([]);

    const mission = await signedIn(tokens.mission);
    await mission.getByRole('heading', { name: 'Report from a mission' }).waitFor();
    await mission.getByRole('textbox', { name: 'Mission', exact: true }).fill('nor-nairobi');
    await mission.getByRole('textbox', { name: 'Campaign', exact: true }).fill('ccm-2026');
    await mission.getByRole('combobox', { name: 'Country', exact: true }).selectOption('ETH');
    await mission.getByLabel('Received on').fill('2026-02-27');
    // The API's own refusal, beside the field it names.
    await mission.getByRole('button', { name: 'Record' }).click();
    await mission.locator('.field-error').first().waitFor();
    expect(await mission.locator('.field.invalid label').allTextContents()).toContain('Response group');
    await shot(mission, '02-mission-refused');
    await mission.getByRole('combobox', { name: 'Response group', exact: true }).selectOption('II');
    await mission.getByLabel('Lacks legal or technical capacity').check();
    expect(await unlabelledControls(mission)).toEqual([]);
    await mission.getByRole('button', { name: 'Record' }).click();
    const outcome = mission.locator('p.success, .problem-wrap .problem').first();
    await outcome.waitFor();
    expect(await outcome.innerText()).toContain('Recorded: a response received for Ethiopia.');
    await shot(mission, '03-mission-recorded');

    // No reload: the stream brings the task to both coordinators.
    for (const page of [alice, bob]) {
      await task(page, 'Ethiopia').waitFor();
      expect(await task(page, 'Ethiopia').locator('.state').textContent()).toBe('open');
    }
    await shot(alice, '04-queue-new-follow-up');

    await task(alice, 'Ethiopia').getByRole('button', { name: 'Claim' }).click();
    await task(alice, 'Ethiopia').locator('.state', { hasText: 'claimed' }).waitFor();
    // Bob sees the claim, and who made it, without reloading: he cannot claim it unknowingly.
    await task(bob, 'Ethiopia').locator('.state', { hasText: 'claimed' }).waitFor();
    expect(await task(bob, 'Ethiopia').locator('.assignee').textContent()).toBe(actors.get(tokens.alice));
    expect(await task(bob, 'Ethiopia').getByRole('button', { name: 'Claim' }).count()).toBe(0);
    await shot(bob, '05-queue-claimed-by-other');
    // Bob cannot complete Alice's task: the 409 is shown as the API words it.
    await task(bob, 'Ethiopia').getByLabel('Outcome').fill('Not mine to close.');
    await task(bob, 'Ethiopia').getByRole('button', { name: 'Complete' }).click();
    await expect(task(bob, 'Ethiopia').getByRole('alert').textContent()).resolves.toMatch(/409/);

    // The filters: by region (Ethiopia is in Africa) and by priority (its due date has passed).
    const region = alice.getByRole('combobox', { name: 'Region', exact: true });
    await region.selectOption('Europe');
    await task(alice, 'Ethiopia').waitFor({ state: 'detached' });
    await region.selectOption('Africa');
    await task(alice, 'Ethiopia').waitFor();
    await region.selectOption('');

    // Alice hands the task to Bob; both see it change hands, and Bob completes it.
    await task(alice, 'Ethiopia').getByLabel('Reassign to').fill(actors.get(tokens.bob)!);
    await task(alice, 'Ethiopia').getByRole('button', { name: 'Reassign' }).click();
    for (const page of [alice, bob]) await task(page, 'Ethiopia').locator('.assignee', { hasText: actors.get(tokens.bob)! }).waitFor();
    await task(bob, 'Ethiopia').getByLabel('Outcome').fill('Met the legal adviser; capacity-building offered.');
    await task(bob, 'Ethiopia').getByRole('button', { name: 'Complete' }).click();
    await task(alice, 'Ethiopia').waitFor({ state: 'detached' }); // closed tasks leave the open-or-claimed view
    await alice.getByRole('combobox', { name: 'State', exact: true }).selectOption('completed');
    await task(alice, 'Ethiopia').locator('.state', { hasText: 'completed' }).waitFor();
    expect(await task(alice, 'Ethiopia').innerText()).toContain('Met the legal adviser; capacity-building offered.');
    await shot(alice, '06-queue-completed');

    // The dossier: the timeline and the provenance of each field.
    await task(alice, 'Ethiopia').getByRole('link', { name: /Ethiopia/ }).click();
    await alice.getByRole('heading', { name: /Ethiopia/, level: 1 }).waitFor();
    await alice.locator('.timeline li', { hasText: 'Response received' }).waitFor();
    await alice.locator('.timeline li', { hasText: 'Follow up completed' }).waitFor();
    await alice.locator('.timeline li', { hasText: 'Follow up reassigned' }).waitFor();
    expect(await alice.locator('table.provenance tr', { hasText: 'Response group' }).textContent()).toMatch(/II.*GroupAssigned/);
    await shot(alice, '07-dossier');
  });

  it('shows the status on any date: the slider, moved by keyboard, reads 75 / 36 / 85 on 11 September 2012', async () => {
    const page = await signedIn(tokens.analyst);
    await page.getByRole('link', { name: 'Status on any date' }).click();
    const slider = page.getByLabel('Date of the picture');
    await page.locator('#count-states-parties', { hasText: /^\d+$/ }).waitFor();
    // Land one day after, then step back with the arrow key, as a keyboard user would.
    const dayAfter = Math.round((Date.parse('2012-09-12') - Date.parse('2008-12-03')) / 86_400_000);
    await slider.evaluate((el, value) => {
      (el as HTMLInputElement).value = String(value);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, dayAfter);
    await slider.focus();
    await slider.press('ArrowLeft');
    expect(await slider.getAttribute('aria-valuetext')).toBe('2012-09-11');
    await page.locator('#as-of-shown', { hasText: '2012-09-11' }).waitFor();
    expect(await page.locator('#count-states-parties').textContent()).toBe('75');
    expect(await page.locator('#count-signatories').textContent()).toBe('36');
    expect(await page.locator('#count-non-signatories').textContent()).toBe('85');
    expect(await page.locator('#by-region-table tbody tr').count()).toBe(5);
    await page.locator('#world-map canvas').waitFor();
    await page.locator('#timeline-chart canvas').waitFor();
    await page.getByRole('button', { name: 'Show the report' }).click();
    await page.locator('pre.markdown').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    // Reached by keyboard, the slider shows where focus is.
    await page.getByLabel('Exact date').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await slider.evaluate((el) => el === document.activeElement && el.matches(':focus-visible') && getComputedStyle(el).outlineStyle)).toBe('solid');
    await shot(page, '08-analysis-2012-09-11');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, '10-analysis-first-screen.png') });

    // Another treaty: the switcher reads the ATT's and the Mine Ban Convention's record on the UNTC record date.
    await page.getByLabel('Treaty', { exact: true }).selectOption('ATT');
    await page.getByRole('heading', { name: 'The Arms Trade Treaty on any date' }).waitFor();
    await page.getByLabel('Exact date').fill('2026-02-03');
    await page.getByLabel('Exact date').dispatchEvent('change');
    await page.locator('#as-of-shown', { hasText: '2026-02-03' }).waitFor();
    await page.locator('#count-states-parties', { hasText: /^117$/ }).waitFor();
    expect(await page.locator('#count-signatories').textContent()).toBe('25');
    expect(await page.locator('#across-treaties-table tbody tr').count()).toBe(3);
    await page.getByLabel('Treaty', { exact: true }).selectOption('APMBC');
    await page.locator('#count-states-parties', { hasText: /^162$/ }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, '11-analysis-apmbc-2026-02-03');

    // A narrow window: everything still fits and reads.
    const narrow = await signedIn(tokens.analyst, 400, 860);
    await narrow.goto(`${base}/#/analysis`);
    await narrow.locator('#count-states-parties', { hasText: /^\d+$/ }).waitFor();
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await narrow.locator('#world-map canvas').waitFor();
    await shot(narrow, '09-analysis-narrow-400px');
  });
});
