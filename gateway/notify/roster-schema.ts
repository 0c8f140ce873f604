import { z } from 'zod';

const Bilingual = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM such as 09:00');

/** A shift in the site's time zone; `to` before `from` runs over midnight (17:30-09:00). */
export const Shift = z.strictObject({ id: z.string().min(1), name: Bilingual, from: ClockTime, to: ClockTime });
export type Shift = z.infer<typeof Shift>;

const SKILLS = ['plumbing', 'electrical', 'elevator', 'hvac', 'fire', 'iot', 'general'] as const;

/**
 * Someone alerts name and @-mention: a robot message reaches a group, and the mention is what makes
 * the phone of the person on duty ring through the group's mute. Give what each platform needs:
 * the mobile number (WeCom `mentioned_mobile_list`, DingTalk `atMobiles`) and/or the platform's
 * own user id (WeCom userid, DingTalk userId, Feishu open_id / user_id).
 */
export const Person = z.strictObject({
  name: z.string().min(1),
  /** A staff user id (`users[]`), when the person also signs in to the pages. */
  userId: z.string().min(1).optional(),
  mobile: z.string().regex(/^\+?\d{5,20}$/, 'expected a phone number of digits, e.g. 13800138000').optional(),
  wecomUserId: z.string().min(1).optional(),
  dingtalkUserId: z.string().min(1).optional(),
  feishuUserId: z.string().min(1).optional(),
});
export type Person = z.infer<typeof Person>;

/** A team on one shift, for some skills and buildings, reached on its own channels. */
export const Team = z.strictObject({
  id: z.string().min(1),
  name: Bilingual,
  shift: z.string().min(1),
  skills: z.array(z.enum(SKILLS)).min(1),
  /** Buildings it covers; empty = every building. */
  buildings: z.array(z.string()).default([]),
  /** Channel ids (notify.channels) its alerts go to. */
  channels: z.array(z.string()).min(1),
  /** The people on the team: a user id (users[]) or a person with the numbers and ids alerts @-mention. */
  members: z.array(z.union([z.string().min(1), Person])).default([]),
  /**
   * The team leader (班组长): chased when a taken repair is not moved on (the grab-order flow: 2 h,
   * `repairs.chaseLeaderAfterMinutes`), and a level of the escalation chain where a tier names it
   * (`"levels": ["leader", "supervisor", "manager"]`). A user id or a person.
   */
  leader: z.union([z.string().min(1), Person]).optional(),
});
export type Team = z.infer<typeof Team>;

/** The levels above the teams an unacknowledged alert escalates to, and who holds them (named and @-mentioned). */
export const EscalationLevel = z.strictObject({ name: Bilingual, channels: z.array(z.string()).min(1), people: z.array(Person).default([]) });
export type EscalationLevel = z.infer<typeof EscalationLevel>;

export const Roster = z.strictObject({
  shifts: z.array(Shift).min(1).default([
    { id: 'day', name: { zh: '白班服务台', en: 'Day desk' }, from: '09:00', to: '17:30' },
    { id: 'night', name: { zh: '夜间监控中心', en: 'Night monitoring centre' }, from: '17:30', to: '09:00' },
  ]),
  teams: z.array(Team).default([]),
  supervisor: EscalationLevel.optional(),
  manager: EscalationLevel.optional(),
  /**
   * The service desk by day and the monitoring centre by night (客服/监控中心): told of callbacks to
   * owners that are overdue (回访). Nobody named: the supervisor, else every channel.
   */
  desk: EscalationLevel.optional(),
});
export type Roster = z.infer<typeof Roster>;

/** Minutes since local midnight of an HH:MM time. */
function minuteOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function shiftCovers(s: Shift, minute: number): boolean {
  const from = minuteOfDay(s.from);
  const to = minuteOfDay(s.to);
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Problems with a roster against the channel ids of the site file, each with its path. */
export function rosterProblems(roster: Roster, channelIds: ReadonlySet<string>): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const shiftIds = new Set(roster.shifts.map((s) => s.id));
  roster.teams.forEach((t, i) => {
    if (!shiftIds.has(t.shift)) problems.push({ path: ['teams', i, 'shift'], message: `expected one of the shift ids (${[...shiftIds].join(', ')}), got "${t.shift}"` });
    t.channels.forEach((c, j) => {
      if (!channelIds.has(c)) problems.push({ path: ['teams', i, 'channels', j], message: `expected a channel id from notify.channels, got "${c}"` });
    });
  });
  for (const level of ['supervisor', 'manager', 'desk'] as const) {
    roster[level]?.channels.forEach((c, j) => {
      if (!channelIds.has(c)) problems.push({ path: [level, 'channels', j], message: `expected a channel id from notify.channels, got "${c}"` });
    });
  }
  // Every minute of the day is someone's shift, or alerts would go nowhere at that hour.
  for (let m = 0; m < 24 * 60; m += 1) {
    if (!roster.shifts.some((s) => shiftCovers(s, m))) {
      problems.push({ path: ['shifts'], message: `no shift covers ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}` });
      break;
    }
  }
  return problems;
}
