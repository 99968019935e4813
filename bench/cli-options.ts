import { InvalidArgumentError } from 'commander';

/** A commander parser for a positive number option, naming the option when the value is not one. */
export const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`${what} must be a positive number`);
  return n;
};
