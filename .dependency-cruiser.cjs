// The direction of imports (docs/architecture.md, "Rooms and what each may import"; ADR 12).
// Each layer of apps/server/src may import only the layers before it; tests may import anything.

/** Rooms of apps/server/src, lowest layer first. */
const LAYERS = [
  ['observability', 'config'],
  ['store', 'bus', 'cache', 'sources'],
  ['markets', 'ingest', 'features', 'models', 'jobs', 'forecasting', 'auth', 'alerts', 'signals'],
  ['http'],
  ['runtime', 'roles'],
  ['cli', 'main.ts'],
];
const SERVER = '^apps/server/src/';
const TESTS = '(\\.test\\.tsx?$|/testing/|^apps/server/test/)';
const room = (names) => `${SERVER}(${names.map((name) => name.replace('.', '\\.')).join('|')})(/|$)`;

const forbidden = LAYERS.slice(0, -1).map((rooms, index) => {
  const above = LAYERS.slice(index + 1).flat();
  return {
    name: `upward-import-from-${rooms.join('-')}`,
    comment: `${rooms.join(', ')} (layer ${index + 1}) may not import ${above.join(', ')}`,
    severity: 'error',
    from: { path: room(rooms), pathNot: TESTS },
    to: { path: room(above) },
  };
});

forbidden.push(
  {
    name: 'server-room-unknown',
    comment: 'every folder of apps/server/src belongs to a layer of .dependency-cruiser.cjs',
    severity: 'error',
    from: { path: SERVER, pathNot: `${room(LAYERS.flat())}|${TESTS}` },
    to: {},
  },
  {
    name: 'database-stays-in-store',
    comment:
      'only store/ holds the database handle: other rooms use the Store façade and its repository ports (ADR 13)',
    severity: 'error',
    from: { path: SERVER, pathNot: `${room(['store'])}|${TESTS}` },
    to: {
      path: `${SERVER}store/(db|database\\.port|migrate|leader-lock|bulk-write|copy-binary)\\.ts$|${SERVER}store/testing/`,
    },
  },
  {
    name: 'packages-import-apps',
    comment: 'shared packages never import an app',
    severity: 'error',
    from: { path: '^packages/', pathNot: TESTS },
    to: { path: '^apps/' },
  },
  {
    name: 'market-vocabulary-stands-alone',
    comment: 'the market vocabulary imports no other workspace',
    severity: 'error',
    from: { path: '^packages/market/' },
    to: { path: '^(apps|packages/(contracts|market-files))/' },
  },
  {
    name: 'no-cycles',
    comment: 'no module imports itself through others',
    severity: 'error',
    from: { path: `^(apps/server/src|packages)/`, pathNot: TESTS },
    to: { circular: true },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
