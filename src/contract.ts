/**
 * The API's enumerations and terminal states, in one place. Typed against the generated
 * types; `jlpm check:types` (scripts/check-contract.mjs) compares them with schema/api.
 * Only type imports here: the check evaluates this module on its own.
 */
import type {
  ExecutionPhase,
  ExecutionStatus,
  ICellResult,
  IIntegrationSettings,
  INotebookCreate,
  IResultsQuery,
  NotebookStatus,
  Priority
} from './api-types';

export type { ExecutionPhase, ExecutionStatus, NotebookStatus, Priority };
export type CellStatus = ICellResult['status'];
export type OutputFormat = IIntegrationSettings['outputFormat'];
export type NotebookTemplate = NonNullable<INotebookCreate['template']>;
export type ResultsOutputType = NonNullable<IResultsQuery['outputType']>;

/**
 * The statuses an execution ends in: those that are also phases (the schema's phases are
 * the steps of `Running`, then the terminal status).
 */
export type TerminalStatus = Extract<ExecutionStatus, ExecutionPhase>;

/**
 * A list of every value of `T`: the compiler refuses one that misses a value.
 */
const every =
  <T extends string>() =>
  <const L extends readonly T[]>(
    list: L & ([T] extends [L[number]] ? unknown : never)
  ): readonly L[number][] =>
    list;

export const NOTEBOOK_STATUSES = every<NotebookStatus>()([
  'Ready',
  'Running',
  'Error',
  'Kernel_Dead'
]);

export const EXECUTION_STATUSES = every<ExecutionStatus>()([
  'Running',
  'Completed',
  'Error',
  'Cancelled'
]);

export const TERMINAL_STATUSES = every<TerminalStatus>()([
  'Completed',
  'Error',
  'Cancelled'
]);

export const EXECUTION_PHASES = every<ExecutionPhase>()([
  'Queued',
  'Starting',
  'Executing',
  'Finishing',
  'Completed',
  'Error',
  'Cancelled'
]);

/**
 * Lowest first, as the schema lists them.
 */
export const PRIORITIES = every<Priority>()(['Low', 'Normal', 'High']);

/**
 * The priority of a run that names none.
 */
export const DEFAULT_PRIORITY: Priority = 'Normal';

export const CELL_STATUSES = every<CellStatus>()([
  'Success',
  'Error',
  'Skipped',
  'Pending',
  'Running'
]);

export const OUTPUT_FORMATS = every<OutputFormat>()([
  'enriched_dataframe',
  'csv',
  'parquet',
  'json'
]);

/**
 * Has the execution ended (no status after this one)?
 */
export function isTerminal(status: ExecutionStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly ExecutionStatus[]).includes(status);
}
