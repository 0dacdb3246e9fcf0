// The parts of jstat (a well-kept statistics library without types of its own) the harness uses: the studies' fits and
// the comparison's rank test and medians, the history's t-test and baselines.
declare module "jstat" {
  export const jStat: {
    /** The median of `values` (the mean of the middle two for an even count); does not reorder them. */
    median(values: readonly number[]): number;
    studentt: {
      /** The quantile of Student's t distribution with `dof` degrees of freedom at probability `p`. */
      inv(p: number, dof: number): number;
      /** Student's t distribution's cumulative probability at x, with `dof` degrees of freedom. */
      cdf(x: number, dof: number): number;
    };
    normal: {
      /** The normal distribution's cumulative probability at x. */
      cdf(x: number, mean: number, sd: number): number;
    };
  };
}
