import type { Device, SiteConfig } from '../site-schema.js';
import { COLUMNS, HEADER, type ColumnKey } from './columns.js';
import type { Sheet } from './table-file.js';
import { UPS_MIB_POINTS } from '../../../adapters/snmp/ups-mib.js';
import { MAPPING_TYPE } from './row-patch.js';
import { deviceAddress } from '../../../adapters/bacnet/device-address.js';

type Cells = Partial<Record<ColumnKey, string | number>>;

/** The point table of a site: one row per point, in the order of the site file, header first. */
export function pointTableOf(site: SiteConfig): Sheet {
  const rows = site.devices.flatMap((d) => d.source.points.map((_, j) => rowOf(d, j)));
  return [[...HEADER], ...rows.map((cells) => COLUMNS.map((c) => cells[c.key] ?? ''))];
}

function rowOf(d: Device, j: number): Cells {
  const base: Cells = {
    deviceId: d.id,
    deviceKind: d.kind,
    deviceName: d.name,
    building: d.location.building,
    floor: d.location.floor,
    place: d.location.description,
    protocol: d.source.protocol,
  };
  const s = d.source;
  switch (s.protocol) {
    case 'modbus': {
      const p = s.points[j];
      if (p === undefined) return base;
      const t = s.transport;
      return {
        ...base,
        connection: t.type === 'tcp' ? `${t.host}:${t.port}` : `RTU:${t.path}@${t.baudRate}`,
        unitId: s.unitId,
        pointId: p.id,
        pointName: p.name?.zh ?? '',
        address: p.address,
        table: p.table,
        type: p.type,
        wordOrder: p.wordOrder,
        byteOrder: p.byteOrder,
        scale: p.scale,
        offset: p.offset,
        unit: p.unit ?? '',
      };
    }
    case 'opcua': {
      const p = s.points[j];
      if (p === undefined) return base;
      return { ...base, connection: s.endpoint, pointId: p.id, pointName: p.name?.zh ?? '', address: p.nodeId, unit: p.unit ?? '' };
    }
    case 'bacnet': {
      // Exported for reading; the point-table import does not write BACnet sources (yet).
      const p = s.points[j];
      if (p === undefined) return base;
      return { ...base, connection: `${deviceAddress(s).label} device ${s.deviceInstance}`, pointId: p.id, pointName: p.name?.zh ?? '', address: `${p.objectType}:${p.instance}`, scale: p.scale, offset: p.offset, unit: p.unit ?? '' };
    }
    case 'mqtt': {
      const p = s.points[j];
      if (p === undefined) return base;
      const type = p.decoder.type === 'json' && p.decoder.path !== 'value' ? `json:${p.decoder.path}` : p.decoder.type;
      return { ...base, connection: s.username ?? '', pointId: p.id, pointName: p.name?.zh ?? '', address: p.topic ?? '', type, unit: p.unit ?? '' };
    }
    case 'http': {
      // Pushed points are written here for reading; the point table does not import them back (their events map to faults).
      const p = s.points[j];
      if (p === undefined) return base;
      const dec = p.decoder ?? { type: 'json', path: p.id };
      const type = p.kind === 'event' ? 'event' : dec.type === 'json' ? `json:${dec.path}` : dec.type;
      return { ...base, pointId: p.id, pointName: p.name?.zh ?? '', address: `/ingest/${d.id}`, type, unit: p.kind === 'event' ? '' : (p.unit ?? '') };
    }
    case 'snmp': {
      const p = s.points[j];
      if (p === undefined) return base;
      const fromMapping = s.mapping === 'ups-mib' && UPS_MIB_POINTS.some((m) => m.id === p.id && m.oid === p.oid);
      return { ...base, connection: `${s.host}:${s.port}`, pointId: p.id, pointName: p.name?.zh ?? '', address: p.oid, type: fromMapping ? MAPPING_TYPE : (p.type ?? ''), scale: p.scale, offset: p.offset, unit: p.unit ?? '' };
    }
    default: {
      const never: never = s;
      return never;
    }
  }
}
