/** src/api/server.ts loggableUrl: a survey link's or a console sign-in link's token never reaches the request log (§5.2, §3.1). */
import { loggableUrl } from '../../src/api/server';

test.each([
  ['/survey/c3YxOkZCLTIwMjYtMDAwMTIzOjE6MTc2NzIyNTYwMDAwMA.abc-_DEF', '/survey/[token]'],
  ['/survey/abc.def?lang=en', '/survey/[token]?lang=en'],
  ['/console/sign-in/email-link/c2lnbmlu.abc-_DEF?next=%2Fconsole%2Finbox', '/console/sign-in/email-link/[token]?next=%2Fconsole%2Finbox'],
  ['/console/sign-in/email-link', '/console/sign-in/email-link'],
  ['/feedback/FB-2026-000123', '/feedback/FB-2026-000123'],
  ['/customers?segment=VIP', '/customers?segment=VIP'],
])('%s is logged as %s', (url, logged) => {
  expect(loggableUrl(url)).toBe(logged);
});
