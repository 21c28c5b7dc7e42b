/** The rate budget (see `./budget/`); this file keeps the `./budget.js` import path of the core. */
export * from "./budget/index.js";
