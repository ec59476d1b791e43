/**
 * Layer rules for Demarche. The domain of every bounded context stays pure TypeScript:
 * no framework, database, messaging or I/O imports, and nothing from the outer layers.
 */
const DOMAIN = '(^|/)libs/[^/]+/domain/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'A domain folder may not import NestJS, mongoose, kafkajs, bullmq, ioredis or any other I/O package.',
      severity: 'error',
      from: { path: DOMAIN },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'],
        path: '(@nestjs|mongoose|mongodb|kafkajs|bullmq|ioredis|better-sqlite3|express|node_modules|^node:|^(fs|path|crypto|child_process|net|http|https|os)$)',
      },
    },
    {
      name: 'domain-reaches-no-io',
      comment: 'Not even through an index: nothing a domain file imports may lead to a package or to node I/O.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { reachable: true, path: '(node_modules/|^node:|^(fs|path|crypto|child_process|net|http|https|os|url|util)$)' },
    },
    {
      name: 'domain-imports-only-domains',
      comment: 'A domain folder may import other domains (their domain/ files or domain/index) and the kernel, but no application, infrastructure or api code, nor a context index that exposes them.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: ['(^|/)libs/[^/]+/(application|infrastructure|api)/', '(^|/)libs/(?!kernel/)[^/]+/index\\.ts$'] },
    },
    {
      name: 'apps-only-wire',
      comment: 'Libraries never import from apps.',
      severity: 'error',
      from: { path: '(^|/)libs/' },
      to: { path: '(^|/)apps/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^dist/|\\.test\\.ts$)' },
  },
};
