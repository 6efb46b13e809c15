import { purchaseEndToEnd } from './purchase.e2e';

purchaseEndToEnd('in-process', () => ({}));
