export { pngPhoto } from '../../simulators/photos/png-photo.js';
