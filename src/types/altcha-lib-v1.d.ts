// altcha-lib 2.x serves the classic ALTCHA API from the `altcha-lib/v1` export; this project's TypeScript resolves
// modules the node10 way (no package "exports"), so the subpath's types are pointed at here. Node resolves the
// import itself through the package's exports.
declare module 'altcha-lib/v1' {
  export * from 'altcha-lib/dist/cjs/v1/index';
}
