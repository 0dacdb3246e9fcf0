// The one part of jstat (a well-kept statistics library without types of its own) the studies use.
declare module "jstat" {
  export const jStat: {
    studentt: {
      /** The quantile of Student's t distribution with `dof` degrees of freedom at probability `p`. */
      inv(p: number, dof: number): number;
    };
  };
}
