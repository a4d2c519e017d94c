// The rater's page /r/{token} (issue 12): phone-first, its own small CSS and
// no Element Plus, vue-i18n or console client, so that it opens quickly on a
// weak phone signal (under 60 KB of gzipped JS and CSS: test/e2e/rater.test.ts).
import { createApp } from 'vue';
import App from './App.vue';
import './large.ts';
import './rate.css';

createApp(App).mount('#app');
