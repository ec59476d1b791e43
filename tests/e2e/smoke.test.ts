import { startTestApp, type RunningApp } from '../support/running-app.js';

describe('smoke', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.destroy());
  it('serves the seeded CCM record', async () => {
    await app.settle();
    const res = await app.http().get('/v1/countries/NOR?treaty=CCM').expect(200);
    expect(res.body.treatyStatus).toBe('state-party');
  });
});
