/**
 * A value that is expensive to read (e.g. counts from the store), read at most once per
 * `intervalMs` however often it is asked for: concurrent askers share one read, and a value read
 * less than `intervalMs` ago is answered from memory. 0 reads it every time (still shared by
 * concurrent askers). A failed read is not remembered; the last good value is answered instead,
 * when there is one.
 */
export class RefreshingValue<T> {
  private value: { data: T; readAt: number } | null = null;
  private reading: Promise<T> | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.value && this.intervalMs > 0 && this.now() - this.value.readAt < this.intervalMs) {
      return Promise.resolve(this.value.data);
    }
    this.reading ??= this.refresh().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async refresh(): Promise<T> {
    const startedAt = this.now();
    try {
      const data = await this.read();
      this.value = { data, readAt: startedAt };
      return data;
    } catch (err) {
      if (this.value) return this.value.data;
      throw err;
    }
  }
}
