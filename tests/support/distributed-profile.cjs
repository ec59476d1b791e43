// Jest setup for the e2e-distributed project: the behaviour suite runs against the servers.
process.env.DEMARCHE_TEST_PROFILE = 'distributed';
