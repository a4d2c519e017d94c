// The order test files start in. Vitest's own order runs one project after another, each file by how long it took
// last time (or, in a fresh clone, by its size); with two workers, a file of minutes that starts late keeps one
// worker busy at the end while the other has nothing left. Here the files known to take minutes start first
// (longest first), whatever their project; the rest follow in Vitest's order, so that short files fill in to the end.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The longest files, longest first (a fresh-clone CI run on a 2-core machine: 2 to 3½ minutes each). */
const LONGEST = ['test/e2e/console.test.ts', 'test/cli/serve.test.ts', 'test/e2e/supervision.test.ts', 'test/e2e/device.test.ts', 'test/e2e/rater.test.ts'];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const relative = path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/');
      const known = LONGEST.indexOf(relative);
      return known === -1 ? LONGEST.length : known;
    };
    const order = new Map(sorted.map((spec, i) => [spec, i]));
    return [...sorted].sort(
      (a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b) || order.get(a)! - order.get(b)!,
    );
  }
}
