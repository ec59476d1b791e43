// The notifications domain: people and their wishes, digests, the words of a mail (pure).
export * from './person.js';
export * from './digest.js';
export * from './mail.js';
export * from './webhook.js';
