import { createApp } from 'vue';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
// The date picker itself loads when first used (components/PeriodPicker.vue); its styles are small.
import 'element-plus/es/components/date-picker/style/css';
import App from './App.vue';
import { handleUnauthorized } from './api/client';
import { i18n } from './i18n';
import { router, signInRoute } from './router';
import { me } from './session';
import './styles.css';

// A session that ends (idle, expired, signed out elsewhere) sends the user to sign in, then back here.
handleUnauthorized(() => {
  const current = router.currentRoute.value;
  if (current.meta.public) return;
  me.value = null;
  void router.replace(signInRoute(current, true));
});

createApp(App).use(i18n).use(router).mount('#app');
