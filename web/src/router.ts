// The console's pages, each loaded when first opened. Console pages need a
// session: without one the user signs in and comes back to where they were.
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { lastRefusal, loadMe, me } from './session';
import { SUPERVISION_ROLES } from './supervision';
import { FINDING_ROLES, workflowsFor, type FindingWorkflow } from './findings';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/signin', name: 'signin', component: () => import('./pages/SignIn.vue'), meta: { public: true } },
    { path: '/public', name: 'public', component: () => import('./pages/PublicResults.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('./layouts/ConsoleLayout.vue'),
      children: [
        { path: '', name: 'dashboard', component: () => import('./pages/Dashboard.vue') },
        {
          path: 'rankings/:dimension?',
          name: 'rankings',
          component: () => import('./pages/Rankings.vue'),
          meta: { roles: ['admin', 'supervisor', 'line_manager', 'agency_manager', 'auditor'] },
        },
        { path: 'scores/:dimension/:key', name: 'score', component: () => import('./pages/Score.vue') },
        {
          path: 'cases',
          name: 'cases',
          component: () => import('./pages/Cases.vue'),
          meta: { roles: ['admin', 'supervisor', 'line_manager', 'agency_manager', 'auditor'] },
        },
        { path: 'org/:kind?', name: 'org', component: () => import('./pages/Organisation.vue') },
        { path: 'system/:tab?', name: 'system', component: () => import('./pages/System.vue'), meta: { roles: ['admin'] } },
        { path: 'account', name: 'account', component: () => import('./pages/Account.vue') },
        { path: 'devices', name: 'devices', component: () => import('./pages/Devices.vue'), meta: { roles: ['admin', 'supervisor'] } },
        { path: 'audit', name: 'audit', component: () => import('./pages/AuditLog.vue'), meta: { roles: ['admin', 'auditor'] } },
        // 督办 (issue 13): the queues of the supervision loop, an item, and IT incidents.
        { path: 'supervision/incidents', name: 'incidents', component: () => import('./pages/supervision/Incidents.vue'), meta: { roles: SUPERVISION_ROLES } },
        {
          path: 'supervision/incidents/:id(\\d+)',
          name: 'incident',
          component: () => import('./pages/supervision/Incident.vue'),
          meta: { roles: SUPERVISION_ROLES },
        },
        {
          path: 'supervision/items/:id(\\d+)',
          name: 'supervision-item',
          component: () => import('./pages/supervision/Item.vue'),
          meta: { roles: SUPERVISION_ROLES },
        },
        { path: 'supervision/:workflow?', name: 'supervision', component: () => import('./pages/supervision/Queue.vue'), meta: { roles: SUPERVISION_ROLES } },
        // 发现与核查 (issue 14): the queues of investigations (R10; never for agencies), key targets and replacements (R11), and a finding.
        { path: 'findings/:id(\\d+)', name: 'finding', component: () => import('./pages/findings/Finding.vue'), meta: { roles: FINDING_ROLES } },
        {
          path: 'findings/:workflow?',
          name: 'findings',
          component: () => import('./pages/findings/Queue.vue'),
          meta: { roles: FINDING_ROLES },
          // A workflow this role does not see (an agency asking for investigations): its first one instead.
          beforeEnter: (to) => {
            const offered = workflowsFor(me.value?.role);
            const asked = to.params.workflow as FindingWorkflow | undefined;
            return !asked || offered.includes(asked) ? true : { name: 'findings', params: { workflow: offered[0] }, query: to.query };
          },
        },
        // Issue 13: every role reads the policy and the holidays (policy.read); admins change them.
        { path: 'policy', name: 'policy', component: () => import('./pages/Policy.vue') },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

export const signInRoute = (to: RouteLocationNormalized, expired = false) => ({
  name: 'signin',
  query: { redirect: to.fullPath, ...(expired ? { expired: '1' } : {}) },
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const user = await loadMe();
  // A session that ran out while the browser was closed: the sign-in page says so.
  if (!user) return signInRoute(to, lastRefusal === 'session_expired');
  // A page of another role's menu: home instead (the API would refuse its data anyway).
  const roles = to.meta.roles as string[] | undefined;
  return !roles || roles.includes(user.role) ? true : { path: '/' };
});
