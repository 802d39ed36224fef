export {
  findKlineRowProblem,
  findSequenceIssues,
  normalizeOpenTime,
  toKlineColumns,
  type KlineColumns,
  type KlineRow,
  type KlineRowError,
  type KlineSequenceIssue,
} from './kline-row.ts';
export { KlineFileError } from './kline-file-error.ts';
export { BINANCE_CSV_COLUMNS, parseBinanceCsvText } from './binance-csv.parser.ts';
export { parseFreqtradeJsonText } from './freqtrade-json.parser.ts';
export {
  KLINE_FILE_FORMATS,
  detectKlineFormat,
  isGzip,
  parseKlineBuffer,
  parseKlineText,
  readKlineFile,
  type KlineFileFormat,
  type KlineFormatOption,
  type KlineParseResult,
  type ParseKlineOptions,
} from './kline-file.ts';
export {
  KLINE_TIMEFRAME_MS,
  KNOWN_QUOTE_CURRENCIES,
  klineTimeframeMs,
  parseKlineFileName,
  splitExchangeSymbol,
  type KlineFileName,
} from './kline-file-name.ts';
export {
  isOnKlineGrid,
  mergeKlineRows,
  scanReplayDirectory,
  type LoadedReplaySeries,
  type MergedKlineRows,
  type ReplayDirectory,
  type ReplayFile,
  type ReplayFileReport,
  type ReplaySeries,
} from './replay-directory.ts';
export {
  DOG_DAILY_FILES,
  DOG_DAILY_SOURCE,
  DOG_DAILY_SYMBOL,
  readRuneDailyFiles,
  type RuneDailyImport,
} from './rune-daily-files.ts';
