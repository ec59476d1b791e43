/** DI tokens shared by the apps. */
export const CLOCK = Symbol('Clock');
export const CONFIG = Symbol('DemarcheConfig');
export const TREATIES = Symbol('TreatyCatalog');
export const PLAYBOOKS = Symbol('PlaybookCatalog');
