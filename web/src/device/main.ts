// The window evaluation device /device (issue 12): a Vue app of its own, with
// its own small CSS (no Element Plus), for a 1280×800 touch screen.
import { createApp } from 'vue';
import App from './App.vue';
import './device.css';

createApp(App).mount('#app');
