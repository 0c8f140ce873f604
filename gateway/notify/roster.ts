import type { User } from '../api/users-schema.js';
import type { Bilingual, Skill } from '../../core/vocabulary.js';
import { shiftCovers, type Person, type Roster, type Team } from './roster-schema.js';
import { localMinuteOfDay } from '../../core/local-time.js';

/** Who an alert is for: a team on duty, or a level it escalated to (its leader, the supervisor, the manager), or everyone when no roster. */
export type EscalationStep = 'team' | 'leader' | 'supervisor' | 'manager';

/** Who an alert is for: a step of the escalation ladder, or the desk (客服/监控中心: callbacks). */
export type AddresseeLevel = EscalationStep | 'desk' | 'all';

export interface Addressee {
  readonly level: AddresseeLevel;
  readonly name: Bilingual;
  /** Channel ids; empty = only the channels that get every alert. */
  readonly channels: readonly string[];
  /** The people it names and @-mentions (none: the alert names the team or level only). */
  readonly people: readonly Person[];
}

const EVERYONE: Addressee = { level: 'all', name: { zh: '全体值班', en: 'everyone on duty' }, channels: [], people: [] };

/** The duty roster, compiled: who is on for a skill and building at a moment. */
export class DutyRoster {
  readonly #roster: Roster | undefined;
  readonly #timeZone: string;
  readonly #users: ReadonlyMap<string, User>;

  constructor(roster: Roster | undefined, timeZone: string, users: readonly User[] = []) {
    this.#roster = roster;
    this.#timeZone = timeZone;
    this.#users = new Map(users.map((u) => [u.id, u]));
  }

  /** Channel ids that belong to some addressee (they get only that addressee's alerts). */
  addressedChannels(): Set<string> {
    const r = this.#roster;
    if (r === undefined) return new Set();
    return new Set([...r.teams.flatMap((t) => t.channels), ...(r.supervisor?.channels ?? []), ...(r.manager?.channels ?? []), ...(r.desk?.channels ?? [])]);
  }

  teamsOnDuty(at: number, skill: Skill, building: string): Team[] {
    const r = this.#roster;
    if (r === undefined) return [];
    const minute = localMinuteOfDay(at, this.#timeZone);
    const onShift = new Set(r.shifts.filter((s) => shiftCovers(s, minute)).map((s) => s.id));
    return r.teams.filter((t) => onShift.has(t.shift) && t.skills.includes(skill) && (t.buildings.length === 0 || t.buildings.includes(building)));
  }

  /**
   * The addressee of a ticket's alert at an escalation step. A step with nobody configured falls
   * through to the next one up, so an alert never goes to no one.
   */
  addressee(step: EscalationStep, at: number, skill: Skill, building: string): Addressee {
    const r = this.#roster;
    if (r === undefined) return EVERYONE;
    if (step === 'team') {
      const teams = this.teamsOnDuty(at, skill, building);
      if (teams.length > 0) {
        return {
          level: 'team',
          name: { zh: teams.map((t) => t.name.zh).join('、'), en: teams.map((t) => t.name.en).join(', ') },
          channels: teams.flatMap((t) => t.channels),
          people: teams.flatMap((t) => t.members.map((m) => this.#person(m))),
        };
      }
    }
    if (step === 'leader') {
      // The leaders of the teams on duty, on those teams' channels; none named: the supervisor.
      const led = this.teamsOnDuty(at, skill, building).filter((t) => t.leader !== undefined);
      if (led.length > 0) {
        return {
          level: 'leader',
          name: { zh: led.map((t) => `${t.name.zh}班组长`).join('、'), en: led.map((t) => `${t.name.en} leader`).join(', ') },
          channels: led.flatMap((t) => t.channels),
          people: led.flatMap((t) => (t.leader === undefined ? [] : [this.#person(t.leader)])),
        };
      }
    }
    if (step !== 'manager' && r.supervisor !== undefined) return { level: 'supervisor', ...r.supervisor };
    if (r.manager !== undefined) return { level: 'manager', ...r.manager };
    return EVERYONE;
  }

  /** The service desk or monitoring centre (callbacks to owners); nobody named: the supervisor, the manager, else everyone. */
  desk(): Addressee {
    const r = this.#roster;
    if (r?.desk !== undefined) return { level: 'desk', ...r.desk };
    // The supervisor step needs no shift, skill or building: it falls through to the manager, then everyone.
    return this.addressee('supervisor', 0, 'general', '');
  }

  /**
   * One staff member as an addressee (the engineer a repair is assigned to): the person as the
   * roster knows them (mobile, platform ids to @-mention), on the channels of their teams.
   */
  person(userId: string, name: string): Addressee {
    const teams = this.#roster?.teams.filter((t) => t.members.some((m) => (typeof m === 'string' ? m === userId : m.userId === userId))) ?? [];
    const member = teams.flatMap((t) => t.members).find((m) => (typeof m === 'string' ? m === userId : m.userId === userId));
    const person = member === undefined ? { name, userId } : this.#person(member);
    return { level: 'team', name: { zh: person.name, en: person.name }, channels: teams.flatMap((t) => t.channels), people: [person] };
  }

  /** A member given as a user id is that user, by name (with nothing to @-mention them by). */
  #person(member: string | Person): Person {
    if (typeof member !== 'string') return member;
    return { name: this.#users.get(member)?.name ?? member, userId: member };
  }
}
