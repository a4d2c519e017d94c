import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/storage/db.ts';
import { databaseUrl, prepareTemplate, testServerUrl } from './template.ts';

export default async function setup(project: TestProject) {
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  const name = `hcp_tpl_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`create database ${name}`);
  const url = databaseUrl(testServerUrl(), name);
  const database = await openDatabase({ kind: 'server', url, poolMax: 2 });
  await prepareTemplate(database);
  await database.close();
  project.provide('serverTemplate', name);
  return async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}
