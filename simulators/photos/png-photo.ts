import { encodePng } from '../../gateway/web/png-encode.js';

/**
 * A real PNG photo (RGB, `width` x `height`, one colour with a stripe): what a simulated patrol
 * sends in scenarios, and what tests of the photo path use. A browser, the gateway's type check and
 * the central service all read it as an image.
 */
export function pngPhoto(width = 64, height = 48, rgb: readonly [number, number, number] = [40, 120, 200]): Buffer {
  return encodePng(width, height, (x) => (Math.floor(x / 8) % 2 === 0 ? rgb : [255 - rgb[0], 255 - rgb[1], 255 - rgb[2]]));
}
