/** The time, as an input. Domain code never reads the system clock itself. */
export interface Clock {
  now(): Date;
}
