/** Renders a ticket's QR code (the payload is the ticket's barcode) as a PNG image. */
export interface QrRenderer {
  png(payload: string): Promise<Buffer>;
  /** The same PNG, base64-encoded (no `data:` prefix), for JSON bodies. */
  base64Png(payload: string): Promise<string>;
}

export const QR_RENDERER = Symbol.for('QrRenderer');
