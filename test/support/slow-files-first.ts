import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Runs the files that start real processes or a browser before the rest. They take most of the
 * suite's time (tens of seconds each against about one for an in-process file), and vitest
 * otherwise orders a first run (every CI run: a fresh clone has no timing cache) by file size,
 * which can leave one fork running a minute-long soak while the other has nothing left to do.
 */
const SLOW = [/^test\/(soak|crash|multi-instance|commands|operations)\//, /\.browser\.test\.ts$/];

export default class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isSlow = (spec: TestSpecification) => {
      const path = spec.moduleId.slice(spec.project.config.root.length).replace(/^\/+/, '');
      return SLOW.some((pattern) => pattern.test(path));
    };
    return [...sorted.filter(isSlow), ...sorted.filter((spec) => !isSlow(spec))];
  }
}
