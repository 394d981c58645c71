/**
 * The history checker: decides whether what the clients saw could have come
 * from one correct lock service. Pure: no processes, no I/O.
 */
export {
  HistorySchema,
  OperationSchema,
  isIndeterminate,
  parseHistory,
  parseHistoryText,
  type CompletedOperation,
  type History,
  type IndeterminateOperation,
  type Operation,
  type OperationKind,
  type ParseResult,
} from './history.ts';
export {
  DEFAULT_MAX_STATES_PER_LOCK,
  checkHistory,
  type CheckOptions,
  type CheckResult,
} from './linearizability.ts';
export { describeOperation } from './explain.ts';
