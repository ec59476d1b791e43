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
      name: 'contexts-meet-at-their-index',
      comment: "A context reaches another only through that context's index.ts, its public contract (domain code through domain/index.ts, the pure part of it); platform and kernel are shared by all.",
      severity: 'error',
      from: { path: '(?:^|/)libs/([^/]+)/' },
      to: { path: '(?:^|/)libs/(?!platform/|kernel/)[^/]+/', pathNot: ['(?:^|/)libs/$1/', '(?:^|/)libs/[^/]+/(domain/)?index\\.ts$'] },
    },
    {
      name: 'platform-and-kernel-import-no-context',
      comment: 'platform (the kit) and kernel sit below every context and know none of them.',
      severity: 'error',
      from: { path: '(?:^|/)libs/(platform|kernel)/' },
      to: { path: '(?:^|/)libs/(?!platform/|kernel/)[^/]+/' },
    },
    {
      name: 'only-apps-import-role-wiring',
      comment: 'apps/runtime composes the contexts per role; only an app starts from it.',
      severity: 'error',
      from: { pathNot: '(?:^|/)apps/' },
      to: { path: '(?:^|/)apps/runtime/' },
    },
    {
      name: 'application-imports-no-infrastructure',
      comment: 'Use cases speak to ports; which adapter stands behind a port is the module\'s choice.',
      severity: 'error',
      from: { path: '(?:^|/)libs/[^/]+/application/' },
      to: { path: '(?:^|/)libs/[^/]+/infrastructure/' },
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
