// Fleet key change (issue #4 §7): key-change sets for many meters, fleet CSV in, CSV/NDJSON out.
export type { FleetRow, FleetDefaults, FleetProfile, FleetKeyParams, FleetBatchOptions, PackedFleetChunk, PackedFleetResult } from './types';
export { keyChangeBatch, FleetEngine } from './engine';
export { parseFleetCsv, parseFleetValue, fleetRowToRequest, formatFleetCsv, FLEET_COLUMNS, type FleetColumn } from './fleet-csv';
export { fleetOutcomeCsvHeader, fleetOutcomeToCsv, fleetOutcomeToNdjson } from './output';
export { packFleetChunk, unpackFleetResult, isPackable } from './packed';
export { parseCsv, csvField, csvLine, type CsvRecord } from './csv';
