import { GlobalRegistrator } from '@happy-dom/global-registrator';

// Import this first in a component test: Testing Library binds `screen` to the document when
// it is loaded, so the DOM has to exist before.
if (typeof document === 'undefined') {
  GlobalRegistrator.register({ url: 'http://localhost/', width: 1280, height: 800 });
}
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// `findBy…` and `waitFor` give up after one second by default; with the whole suite sharing two
// cores a real API round trip can take longer, so they wait up to five.
const { configure } = await import('@testing-library/react');
configure({ asyncUtilTimeout: 5_000 });
