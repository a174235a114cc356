import { describe, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from './postgres-available.js';
import { describeAutoRechargeContract } from './auto-recharge-contract.js';
import { describeBillingSessionContract } from './billing-session-contract.js';
import { describeEventsOutContract } from './events-out-contract.js';
import { describeHistoryContract } from './history-contract.js';
import { describeStoreContract } from './store-contract.js';

const unavailable = await postgresUnavailableReason();

if (unavailable) {
  process.stderr.write(`\n[skip] ${unavailable}\n`);
  describe.skip(`PostgreSQL store: ${unavailable}`, () => {
    it('needs a PostgreSQL server', () => {});
  });
} else {
  let schema = '';
  describeStoreContract(
    'PostgreSQL',
    async () => {
      schema ||= uniqueSchema('contract');
      return PostgresStore.open(urlWithSchema(schema));
    },
    async () => {
      await dropSchema(schema);
      schema = '';
    },
  );
  let arSchema = '';
  describeAutoRechargeContract(
    'PostgreSQL',
    async () => {
      arSchema ||= uniqueSchema('auto_recharge');
      return PostgresStore.open(urlWithSchema(arSchema));
    },
    async () => {
      await dropSchema(arSchema);
      arSchema = '';
    },
  );
  let billingSchema = '';
  describeBillingSessionContract(
    'PostgreSQL',
    async () => {
      billingSchema ||= uniqueSchema('billing');
      return PostgresStore.open(urlWithSchema(billingSchema));
    },
    async () => {
      await dropSchema(billingSchema);
      billingSchema = '';
    },
  );
  let historySchema = '';
  describeHistoryContract(
    'PostgreSQL',
    async () => {
      historySchema ||= uniqueSchema('history');
      return PostgresStore.open(urlWithSchema(historySchema));
    },
    async () => {
      await dropSchema(historySchema);
      historySchema = '';
    },
  );
  let eventsSchema = '';
  describeEventsOutContract(
    'PostgreSQL',
    async () => {
      eventsSchema ||= uniqueSchema('events_out');
      return PostgresStore.open(urlWithSchema(eventsSchema));
    },
    async () => {
      await dropSchema(eventsSchema);
      eventsSchema = '';
    },
  );
}
