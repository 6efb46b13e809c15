import {
  QrCodeRenderer,
  renderQrBase64,
  renderQrPng,
} from '../../src/infrastructure/tickets/qr-code-renderer';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('QR code renderer', () => {
  it('renders a PNG, and the same PNG as base64', async () => {
    const png = await renderQrPng('123456789012');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(Buffer.from(await renderQrBase64('123456789012'), 'base64')).toEqual(png);
  });

  it('renders a PNG with a single row filter too (what the API tests use)', async () => {
    const png = await new QrCodeRenderer({ pngFilter: 2 }).png('123456789012');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('different payloads give different images', async () => {
    const renderer = new QrCodeRenderer({ pngFilter: 2 });
    expect((await renderer.png('123456789012')).equals(await renderer.png('210987654321'))).toBe(false);
  });

  it('caches renders by payload, least recently used dropped first', async () => {
    const renderer = new QrCodeRenderer({ maxCached: 2, pngFilter: 2 });
    const first = await renderer.png('111111111111');
    await renderer.png('222222222222');
    expect(await renderer.png('111111111111')).toBe(first); // cached: the very same buffer
    await renderer.png('333333333333'); // drops 222..., the least recently used
    expect(renderer.size).toBe(2);
    expect(await renderer.png('111111111111')).toBe(first);
  });
});
