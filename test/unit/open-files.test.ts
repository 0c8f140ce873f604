import { describe, expect, it } from 'vitest';
import { fileBudget, openFileLimit, RESERVED_FILES } from '../../gateway/open-files.js';

describe('the share of open files between HTTP clients and MQTT devices', () => {
  it('keeps the reserve, gives HTTP what the site allows up to half the rest, and the broker the remainder', () => {
    expect(fileBudget(20_000, 512)).toEqual({ known: true, fileLimit: 20_000, httpConnections: 512, mqttConnections: 20_000 - RESERVED_FILES - 512 });
    expect(fileBudget(1024, 512)).toEqual({ known: true, fileLimit: 1024, httpConnections: 256, mqttConnections: 256 });
    expect(fileBudget(600, 512)).toEqual({ known: true, fileLimit: 600, httpConnections: 44, mqttConnections: 44 });
  });

  it('never raises a cap the site file set lower, and keeps both listeners reachable at a tiny limit', () => {
    expect(fileBudget(65_536, 8)).toMatchObject({ httpConnections: 8, mqttConnections: 65_536 - RESERVED_FILES - 8 });
    expect(fileBudget(256, 512)).toMatchObject({ httpConnections: 16, mqttConnections: 16 });
  });

  it('sets no cap where the limit cannot be read', () => {
    expect(fileBudget(null, 512)).toEqual({ known: false });
  });

  it("reads this process's soft limit from /proc (the gateway runs on Linux)", () => {
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});
