import { z } from 'zod';

/** Alert channels and the duty roster. Owned by gateway/notify. */
export const NotifyConfig = z.record(z.string(), z.unknown()).default({});
export type NotifyConfig = z.infer<typeof NotifyConfig>;
