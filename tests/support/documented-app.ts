import type { OpenAPIObject } from 'openapi3-ts/oas30';
import { contractChecker, type ContractChecker } from './contract';
import { startTestApp, type TestApp } from './test-app';

/** An application with an admin's token, the document it serves at /openapi.json and a checker of answers against it. */
export async function startDocumentedApp(): Promise<{
  t: TestApp;
  admin: string;
  doc: OpenAPIObject;
  checker: ContractChecker;
}> {
  const t = await startTestApp();
  const admin = await t.adminToken();
  const doc = (await t.call('GET', '/openapi.json')).body as OpenAPIObject;
  return { t, admin, doc, checker: contractChecker(doc) };
}
