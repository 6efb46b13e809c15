import { rabbitMqSuite } from '../support/rabbitmq';
import { purchaseEndToEnd } from './purchase.e2e';

rabbitMqSuite('purchase end to end on RabbitMQ', (url) => {
  purchaseEndToEnd('RabbitMQ', () => ({
    AMQP_URL: url,
    BUS_NAMESPACE: `test-e2e-${process.pid}-${Date.now()}`,
  }));
});
