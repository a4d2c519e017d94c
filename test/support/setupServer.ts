import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/storage/db.ts';
import { databaseUrl, prepareTemplate, shared, testServerUrl } from './template.ts';

// One template for both projects on this engine (`server` and `server-latency`): built once per run.
export default async function setup(project: TestProject) {
  const release = await shared('server', async () => {
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    const name = `hcp_tpl_${process.pid}_${Date.now().toString(36)}`;
    await admin.query(`create database ${name}`);
    const url = databaseUrl(testServerUrl(), name);
    const database = await openDatabase({ kind: 'server', url, poolMax: 2 });
    await prepareTemplate(database);
    await database.close();
    return {
      value: name,
      dispose: async () => {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  });
  project.provide('serverTemplate', release.value);
  return release.dispose;
}
