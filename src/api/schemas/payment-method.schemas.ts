import { array, bool, objectComponent, str } from '../contract/schema';

export const PaymentMethod = objectComponent('PaymentMethod', {
  payment_method_id: str('Payment method id'),
  type: str('Kind', { enum: ['CARD'] }),
  card_last_four: str('Last four digits', { pattern: '^\\d{4}$' }),
  card_brand: str('Card brand', { example: 'Visa' }),
  expiry: str('MM/YYYY', { pattern: '^\\d{2}/\\d{4}$', example: '12/2028' }),
  is_default: bool('The default payment method'),
});

export const PaymentMethodList = objectComponent('PaymentMethodList', {
  payment_methods: array(PaymentMethod),
});
