export { CentralService, createCentralService, type CentralServiceOptions, type ReceivedTicket, type ProgressTimes } from './central-service.js';
export type { CentralFault } from './fault-injector.js';
