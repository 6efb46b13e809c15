import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { readStoreContract } from './read-store.contract';

readStoreContract('memory', async () => ({ store: new MemoryReadStore(), cleanup: async () => undefined }));
