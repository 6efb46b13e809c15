import { InProcessBus } from '../../src/infrastructure/bus/inprocess/in-process-bus';
import { busContract } from './bus.contract';

busContract('in-process', async () => ({
  bus: new InProcessBus({ drainTimeoutMs: 1_000 }),
  cleanup: async () => undefined,
}));
