// Messaging carries the log over Kafka. Its parts are adapters, which the distributed roles
// compose from infrastructure/; the contract other code may rely on is the relay's checkpoint.
export * from './application/relay-checkpoint.port.js';
