import { z } from 'zod';

/** ISA-18.2 defaults: chattering = 3 cycles in 60 s; flood = >10 new alarms in 10 min, ends < 5. */
export const AlarmsConfig = z
  .strictObject({
    chatter: z
      .strictObject({ cycles: z.number().int().min(2).default(3), windowSeconds: z.number().positive().default(60) })
      .prefault({}),
    flood: z
      .strictObject({
        startAbove: z.number().int().min(1).default(10),
        endBelow: z.number().int().min(0).default(5),
        windowMinutes: z.number().positive().default(10),
      })
      .prefault({}),
  })
  .prefault({});
export type AlarmsConfig = z.infer<typeof AlarmsConfig>;
