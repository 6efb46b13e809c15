import { array, component, dateTime, int, money, object, objectComponent, str } from '../contract/schema';

/** Response schemas of the partner certificate, shipping and polling operations. */

export const ShippingOption = objectComponent('ShippingOption', {
  shipping_id: str('Shipping option id (`ETICKET` by default)'),
  name: str('What the buyer sees'),
  price: money('Price per order'),
});

export const ShippingOptionList = objectComponent('ShippingOptionList', {
  shipping_options: array(ShippingOption),
});

export const EncryptionCertificate = objectComponent('EncryptionCertificate', {
  encryption_key: str(
    'Id of the key to send back as `encryption_key` with the encrypted card fields (valid until `expires_at`)',
  ),
  public_key: str(
    'RSA 2048 public key (SPKI PEM): encrypt with RSA-OAEP and SHA-256 (OAEP hash and MGF1) a 16-character salt of ' +
      '[A-Za-z0-9] followed by the value, and send the ciphertext in base64',
  ),
  expires_at: dateTime('After this, payments under this key are refused: fetch the certificate again'),
});

export const PollingAccepted = component(
  'PollingAccepted',
  object(
    {
      polling_url: str('GET it (same bearer) for the result: 202 again until it is ready'),
      wait: int(
        'Seconds to wait before polling (raised under load and for partners who leave carts to expire)',
        {
          minimum: 1,
        },
      ),
    },
    ['polling_url', 'wait'],
    'The command was accepted and runs once in the background',
  ),
);
