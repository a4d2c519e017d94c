import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openEmbedded } from '../../src/storage/db.ts';
import { prepareTemplate, shared } from './template.ts';

// One template for both projects on this engine (`embedded` and `embedded-latency`): built once per run.
export default async function setup(project: TestProject) {
  const release = await shared('embedded', async () => {
    const database = await openEmbedded('memory://', false);
    await prepareTemplate(database);
    const tarball = await database.pglite!.dumpDataDir('none');
    await database.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haochaping-test-'));
    const file = path.join(dir, 'template.tar');
    fs.writeFileSync(file, Buffer.from(await tarball.arrayBuffer()));
    return { value: file, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  });
  project.provide('embeddedTemplate', release.value);
  return release.dispose;
}
