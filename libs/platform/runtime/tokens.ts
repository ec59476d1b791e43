/** DI tokens of the kit, which every context may inject: the clock and the configuration. */
export const CLOCK = Symbol('Clock');
export const CONFIG = Symbol('DemarcheConfig');
