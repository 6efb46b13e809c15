import QRCode from 'qrcode';
import type { QrRenderer } from '../../application/ports/qr-renderer';

export interface QrCodeRendererOptions {
  /** Rendered codes kept in memory, least recently used dropped first (default 2000, ~1 KB each). */
  maxCached?: number;
  /** Pixel width of the PNG (default 300). */
  width?: number;
  /**
   * pngjs row filter: default (-1) tries all five per row, which gives the smallest file (~1.5 KB, ~12 ms in
   * Node). Under jest's sandbox the Paeth heuristics run ~50x slower, so test suites may pass 2 (Up only:
   * a few ms, ~4 KB).
   */
  pngFilter?: -1 | 0 | 1 | 2 | 3 | 4;
}

/**
 * QR codes as PNG through the `qrcode` package, error correction level M (survives a scuffed phone screen).
 * Rendering costs milliseconds and a ticket list renders every ticket of an order, so renders are cached by
 * payload (an LRU over a Map; concurrent requests for one payload share one render).
 */
export class QrCodeRenderer implements QrRenderer {
  private readonly cache = new Map<string, Promise<Buffer>>();
  private readonly maxCached: number;
  private readonly width: number;
  private readonly pngFilter: number;

  constructor(options: QrCodeRendererOptions = {}) {
    this.maxCached = options.maxCached ?? 2000;
    this.width = options.width ?? 300;
    this.pngFilter = options.pngFilter ?? -1;
  }

  png(payload: string): Promise<Buffer> {
    const cached = this.cache.get(payload);
    if (cached) {
      this.cache.delete(payload);
      this.cache.set(payload, cached);
      return cached;
    }
    const rendered = QRCode.toBuffer(payload, {
      type: 'png',
      errorCorrectionLevel: 'M',
      margin: 2,
      width: this.width,
      // filterType is a pngjs option that qrcode passes through (its typings do not list it).
      rendererOpts: { filterType: this.pngFilter } as QRCode.QRCodeToBufferOptions['rendererOpts'],
    });
    this.cache.set(payload, rendered);
    rendered.catch(() => this.cache.delete(payload));
    while (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    return rendered;
  }

  async base64Png(payload: string): Promise<string> {
    return (await this.png(payload)).toString('base64');
  }

  /** Codes currently cached (tests, metrics). */
  get size(): number {
    return this.cache.size;
  }
}

const shared = new QrCodeRenderer();

export function renderQrPng(payload: string): Promise<Buffer> {
  return shared.png(payload);
}

export function renderQrBase64(payload: string): Promise<string> {
  return shared.base64Png(payload);
}
