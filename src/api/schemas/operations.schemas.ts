import { int, object, objectComponent, str } from '../contract/schema';

export const Health = objectComponent('Health', { status: str('Always `ok`', { enum: ['ok'] }) });

const Backend = object(
  {
    kind: str('What serves it', {
      enum: ['sqlite', 'eventstoredb', 'memory', 'mongodb', 'in-process', 'rabbitmq', 'redis'],
    }),
    status: str('Whether it answered within 2 s', { enum: ['up', 'down'] }),
    error: str('Why it is down (URLs without their password)'),
  },
  ['kind', 'status'],
);

export const Readiness = objectComponent('Readiness', {
  status: str(
    '`ready`; `catching_up` while the read models lag the log; `unavailable` while a backend is down',
    {
      enum: ['ready', 'catching_up', 'unavailable'],
    },
  ),
  projection_lag: int('How far the read models are behind the log, in log positions (events on SQLite)', {
    minimum: 0,
  }),
  backends: object(
    { event_store: Backend, read_store: Backend, bus: Backend, redis: Backend },
    ['event_store', 'read_store', 'bus'],
    'Each backend of the profile (`redis` only when REDIS_URL is set; its being down does not make the instance unready)',
  ),
});
