export * from './infrastructure/cloud-events.js';
export * from './infrastructure/kafka-topics.js';
export * from './application/relay-checkpoint.port.js';
export * from './application/outbox-relay.js';
export * from './application/projector-consumer.js';
