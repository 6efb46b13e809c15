import { component, int, object, objectComponent, str } from '../contract/schema';

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

export const Readiness = component(
  'Readiness',
  object(
    {
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
      projection_failures: object(
        {
          count: int('Read-model handlers that threw since the process started', { minimum: 1 }),
          last: object(
            {
              position: int('The log position of the event a handler last threw on'),
              event_type: str('Its type'),
            },
            ['position', 'event_type'],
            'The last failure',
          ),
        },
        ['count', 'last'],
        'Present only when a read-model handler threw: the runner logged it (`projection failed`) and moved on, so ' +
          'some documents lack that event. The instance stays ready (every instance folds the same log); ' +
          '`npm run replay` names what the event lacks. Also the metric `projection_failures_total`.',
      ),
    },
    ['status', 'projection_lag', 'backends'],
  ),
);
