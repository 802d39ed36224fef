/** A kline file that cannot be read as a whole: missing, not gzip, not JSON, unknown format. */
export class KlineFileError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'KlineFileError';
  }
}
