/**
 * The point table (点表): one row per point, the columns integrators keep in their spreadsheets.
 * The header cell of a column is its key, optionally followed by a label in other words
 * (`deviceId 设备编号`); only the key (the first word) is read, in any column order.
 *
 * `level`: a device column says something about the whole device and may be given on its first
 * row only; a point column about the row's point. `always`: an export writes the column even when
 * no device uses it (the columns integrators fill most); the others appear once a device uses them,
 * so a table is as wide as its site needs. What each column is in each protocol: device-fields.ts,
 * source-fields.ts and point-fields.ts.
 */
export const COLUMNS = [
  { key: 'deviceId', label: '设备编号', level: 'device', always: true },
  { key: 'deviceKind', label: '设备类型', level: 'device', always: true },
  { key: 'deviceName', label: '设备名称', level: 'device', always: true },
  { key: 'deviceNameEn', label: '设备英文名称', level: 'device', always: true },
  { key: 'building', label: '楼栋', level: 'device', always: true },
  { key: 'floor', label: '楼层', level: 'device', always: true },
  { key: 'locationUnit', label: '单元/房号', level: 'device', always: false },
  { key: 'place', label: '位置', level: 'device', always: true },
  { key: 'placeEn', label: '英文位置', level: 'device', always: true },
  { key: 'publicArea', label: '公共区域', level: 'device', always: false },
  { key: 'skill', label: '工种', level: 'device', always: false },
  { key: 'supply', label: '供水用途', level: 'device', always: true },
  { key: 'battery', label: '电池供电', level: 'device', always: true },
  { key: 'fedBy', label: '供电设备', level: 'device', always: true },
  { key: 'powersGateway', label: '为网关供电', level: 'device', always: false },
  { key: 'shutdownAtMinutes', label: '网关停机剩余分钟', level: 'device', always: false },
  /** A pair's `warm` or `cold` source (docs/high-availability.md). */
  { key: 'standby', label: '备机读取', level: 'device', always: false },
  { key: 'protocol', label: '协议', level: 'device', always: true },
  /** Modbus `HOST:PORT` or `RTU:/dev/ttyUSB0@9600`; OPC UA the endpoint; MQTT the device's login; SNMP `HOST:PORT`; BACnet `IP:PORT device N`. */
  { key: 'connection', label: '连接', level: 'device', always: true },
  { key: 'unitId', label: '从站号', level: 'device', always: true },
  { key: 'login', label: '登录用户', level: 'device', always: false },
  /** Secrets named by environment variable only (`password=MQTT_PW_LEAK1`): a secret's value never travels. */
  { key: 'secretEnv', label: '密钥环境变量', level: 'device', always: false },
  { key: 'snmpVersion', label: 'SNMP版本', level: 'device', always: false },
  { key: 'securityLevel', label: '安全级别', level: 'device', always: false },
  { key: 'authProtocol', label: '认证协议', level: 'device', always: false },
  { key: 'privProtocol', label: '加密协议', level: 'device', always: false },
  { key: 'securityMode', label: '安全模式', level: 'device', always: false },
  { key: 'securityPolicy', label: '安全策略', level: 'device', always: false },
  { key: 'parity', label: '校验位', level: 'device', always: false },
  { key: 'dataBits', label: '数据位', level: 'device', always: false },
  { key: 'stopBits', label: '停止位', level: 'device', always: false },
  { key: 'topicPattern', label: '主题模式', level: 'device', always: false },
  { key: 'subscribe', label: '可订阅主题', level: 'device', always: false },
  { key: 'pollMs', label: '轮询周期ms', level: 'device', always: true },
  { key: 'timeoutMs', label: '超时ms', level: 'device', always: true },
  { key: 'retries', label: '重试次数', level: 'device', always: false },
  { key: 'heartbeatSeconds', label: '心跳秒', level: 'device', always: false },
  { key: 'samplingMs', label: '采样周期ms', level: 'device', always: false },
  { key: 'publishingMs', label: '发布周期ms', level: 'device', always: false },
  { key: 'cov', label: '变化订阅', level: 'device', always: false },
  { key: 'covConfirmed', label: '确认型通知', level: 'device', always: false },
  { key: 'covLifetimeSeconds', label: '订阅时长秒', level: 'device', always: false },
  { key: 'maxOidsPerGet', label: '每次请求OID数', level: 'device', always: false },
  { key: 'trapPort', label: 'Trap端口', level: 'device', always: false },
  { key: 'trapHost', label: 'Trap监听地址', level: 'device', always: false },
  { key: 'expectEverySeconds', label: '推送间隔秒', level: 'device', always: false },
  { key: 'maxBodyBytes', label: '最大报文字节', level: 'device', always: false },
  { key: 'ratePerSecond', label: '每秒推送数', level: 'device', always: false },
  { key: 'rateBurst', label: '突发推送数', level: 'device', always: false },
  { key: 'pointId', label: '点位编号', level: 'point', always: true },
  { key: 'pointName', label: '点位名称', level: 'point', always: true },
  { key: 'pointNameEn', label: '点位英文名称', level: 'point', always: true },
  { key: 'pointKind', label: '点位类别', level: 'point', always: false },
  /** Modbus register address (zero-based); OPC UA node id; MQTT topic (blank: the device's pattern); SNMP OID; BACnet `object-type:instance`. */
  { key: 'address', label: '地址/节点/主题', level: 'point', always: true },
  /** Modbus table: coil, discrete-input, holding-register, input-register. */
  { key: 'table', label: '寄存器区', level: 'point', always: true },
  /** Modbus bool/int16/uint16/int32/uint32/float32; MQTT and HTTP json[:path]/number/boolean; SNMP the SMI type or ups-mib. */
  { key: 'type', label: '数据类型', level: 'point', always: true },
  { key: 'wordOrder', label: '字序', level: 'point', always: true },
  { key: 'byteOrder', label: '字节序', level: 'point', always: true },
  { key: 'bit', label: '位', level: 'point', always: true },
  { key: 'scale', label: '倍率', level: 'point', always: true },
  { key: 'offset', label: '偏移', level: 'point', always: true },
  { key: 'unit', label: '单位', level: 'point', always: true },
  /** `MIN~MAX` (`0~100`, `~100`, `0~`): a value outside is a bad reading. */
  { key: 'range', label: '量程', level: 'point', always: true },
  { key: 'pointSamplingMs', label: '点位采样ms', level: 'point', always: false },
  { key: 'queueSize', label: '队列长度', level: 'point', always: false },
  { key: 'deadband', label: '死区', level: 'point', always: false },
  { key: 'map', label: '值映射', level: 'point', always: false },
  { key: 'otherwise', label: '其他值', level: 'point', always: false },
  { key: 'textPath', label: '文字路径', level: 'point', always: false },
  { key: 'raises', label: '触发故障', level: 'point', always: false },
  { key: 'clears', label: '清除故障', level: 'point', always: false },
  { key: 'autoClearSeconds', label: '自动清除秒', level: 'point', always: false },
  { key: 'eventCodes', label: '事件代码表', level: 'device', always: false },
  { key: 'faults', label: '故障参数', level: 'device', always: false },
  { key: 'rules', label: '自定义规则', level: 'device', always: false },
  { key: 'stateRules', label: '状态规则', level: 'device', always: false },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

/** The header cell of a column: its key and its label. */
export function headerOf(key: ColumnKey): string {
  return `${key} ${COLUMNS.find((c) => c.key === key)?.label ?? ''}`.trim();
}

/** Every column's header cell, in table order. */
export const HEADER: readonly string[] = COLUMNS.map((c) => headerOf(c.key));

/** Columns that describe the device: given on several rows of one device, they must agree. */
export const DEVICE_COLUMNS: readonly ColumnKey[] = COLUMNS.filter((c) => c.level === 'device' && c.key !== 'deviceId').map((c) => c.key);
